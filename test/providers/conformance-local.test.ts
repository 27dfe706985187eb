/** pseudo and apertium (binary and a real APy server) through the shared provider conformance suite. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createApertium, createPseudo } from '../../providers/index.js';
import { findExecutable } from '../../providers/apertium/binary.js';
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startApy(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(apy!, ['-p', String(port), '/usr/share/apertium/modes'], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/listPairs`)).ok) return { url, child };
    } catch {
      // still starting
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`apertium-apy did not start on port ${port} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (apy && modes) {
  runConformance(
    'apertium (APy)',
    async () => {
      const { url, child } = await startApy();
      return { provider: createApertium({ env: { APERTIUM_APY_URL: url } }), close: async () => void child.kill('SIGTERM') };
    },
    { from: 'fr', to: 'es' },
  );
} else {
  console.warn('skipping apertium APy conformance: apertium-apy or the fr-es pair is not installed');
}
