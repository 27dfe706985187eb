/** pseudo and apertium (binary and a real APy server) through the shared provider conformance suite. */
import { existsSync } from 'node:fs';
import { createApertium, createPseudo } from '../../providers/index.js';
import { findExecutable } from '../../providers/apertium/binary.js';
import { startApy } from '../helpers.js';
import { runConformance } from './conformance.js';

runConformance('pseudo', async () => ({ provider: createPseudo(), close: async () => {} }), { from: 'fr', to: 'en' });
runConformance('pseudo', async () => ({ provider: createPseudo(), close: async () => {} }), { from: 'en', to: 'vi' });

const apertium = findExecutable('apertium');
const apy = findExecutable('apertium-apy');
const modes = existsSync('/usr/share/apertium/modes/fr-es.mode') && existsSync('/usr/share/apertium/modes/spa-eng.mode');

if (apertium && modes) {
  runConformance('apertium (binary)', async () => ({ provider: createApertium({ env: process.env }), close: async () => {} }), { from: 'fr', to: 'es' });
  runConformance('apertium (binary)', async () => ({ provider: createApertium({ env: process.env }), close: async () => {} }), { from: 'es', to: 'en' });
} else {
  console.warn('skipping apertium binary conformance: apertium or its fr-es / eng-spa pairs are not installed');
}

if (apy && modes) {
  runConformance(
    'apertium (APy)',
    async () => {
      const { url, child } = await startApy(apy!);
      return { provider: createApertium({ env: { APERTIUM_APY_URL: url } }), close: async () => void child.kill('SIGTERM') };
    },
    { from: 'fr', to: 'es' },
  );
} else {
  console.warn('skipping apertium APy conformance: apertium-apy or the fr-es pair is not installed');
}
