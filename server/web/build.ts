/** `npm run build` step: the web client bundle in server/web/dist/app.js. */
import { writeClientBundle } from './bundle.js';

const file = await writeClientBundle();
process.stdout.write(`wrote ${file}\n`);
