import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { camelToEnv, configuredChain } from '../../providers/config.js';
import { loadProvidersConfig, openTranslator } from '../../providers/index.js';
import { fakeProvider } from './fake.js';

const dir = mkdtempSync(join(tmpdir(), 'locflow-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadProvidersConfig', () => {
  it('reads the environment alone', () => {
    const cfg = loadProvidersConfig({ DEEPL_AUTH_KEY: 'k:fx' });
    expect(cfg.env.DEEPL_AUTH_KEY).toBe('k:fx');
    expect(cfg.routes).toEqual({});
    expect(cfg.pivots).toEqual(['en', 'es', 'fr']);
  });

  it('reads a YAML file with env names, camel-case names, routes, pivots and retry; the environment wins', () => {
    const path = file(
      'locflow.yaml',
      [
        'DEEPL_AUTH_KEY: from-file',
        'openaiBaseUrl: http://localhost:11434/v1',
        'libretranslateURL: http://lt.local',
        'apertiumApyUrl: http://apy.local:2737',
        'routes:',
        '  fr-en: [deepl, apertium]',
        '  "*-vi": ["openai:qwen2.5", pseudo]',
        'pivots: [es, en]',
        'retry: { attempts: 2, budgetMs: 1000 }',
      ].join('\n'),
    );
    const cfg = loadProvidersConfig({ LOCFLOW_CONFIG: path, DEEPL_AUTH_KEY: 'from-env' });
    expect(cfg.env.DEEPL_AUTH_KEY).toBe('from-env');
    expect(cfg.env.OPENAI_BASE_URL).toBe('http://localhost:11434/v1');
    expect(cfg.env.LIBRETRANSLATE_URL).toBe('http://lt.local');
    expect(cfg.env.APERTIUM_APY_URL).toBe('http://apy.local:2737');
    expect(cfg.routes['*-vi']).toEqual(['openai:qwen2.5', 'pseudo']);
    expect(cfg.pivots).toEqual(['es', 'en']);
    expect(cfg.retry).toEqual({ attempts: 2, budgetMs: 1000 });
    expect(cfg.file).toBe(path);
  });

  it('reads JSON', () => {
    const path = file('locflow.json', JSON.stringify({ azureTranslatorKey: 'a', routes: { '*': ['azure'] } }));
    const cfg = loadProvidersConfig({ LOCFLOW_CONFIG: path });
    expect(cfg.env.AZURE_TRANSLATOR_KEY).toBe('a');
    expect(configuredChain(cfg.routes, 'fr', 'vi')).toEqual(['azure']);
  });

  it.each([
    ['a missing file', join(dir, 'nope.yaml'), /cannot read .*nope\.yaml \(ENOENT\)/],
    ['a YAML syntax error', 'bad.yaml:routes: [deepl\n', /is not valid YAML/],
    ['a JSON syntax error', 'bad.json:{"routes":', /is not valid JSON/],
    ['an unknown setting', 'typo.yaml:deeplAuthKye: x\n', /unknown setting "deeplAuthKye"/],
    ['a bad route pattern', 'route.yaml:routes:\n  french-english: [deepl]\n', /routes\.french-english/],
    ['an empty chain', 'empty.yaml:routes:\n  fr-en: []\n', /routes\.fr-en/],
    ['a nested provider section', 'nested.yaml:deepl:\n  authKey: k\n', /nested\.yaml: deepl: must be one value .*settings are flat, e\.g\. deeplAuthKey/],
    ['an empty value', 'null.yaml:deeplAuthKey:\n', /null\.yaml: deeplAuthKey: must be one value/],
  ])('rejects %s with an InputError', (_name, spec, message) => {
    let path = spec;
    if (spec.includes(':') && !spec.startsWith('/')) {
      const at = spec.indexOf(':');
      path = file(spec.slice(0, at), spec.slice(at + 1));
    }
    let caught: unknown;
    try {
      loadProvidersConfig({ LOCFLOW_CONFIG: path });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/^LOCFLOW_CONFIG: /);
  });

  it('never quotes the file (which holds keys) in a syntax error', () => {
    for (const [name, text] of [
      ['leak.json', '{"deeplAuthKey": supersecret-123}'],
      ['leak2.json', '{"deeplAuthKey": "supersecret-123" x}'],
      ['leak.yaml', 'deeplAuthKey: supersecret-123: x\n'],
    ] as const) {
      let message = '';
      try {
        loadProvidersConfig({ LOCFLOW_CONFIG: file(name, text) });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/is not valid (JSON|YAML)/);
      expect(message).not.toContain('supersecret');
      // V8 gives a position for some JSON mistakes only; YAML always has one.
      if (name !== 'leak.json') expect(message).toMatch(/line 1, column \d+/);
    }
  });

  it('reads the limits of providers.<id> and refuses unknown or bad ones by their path', () => {
    const path = file('limits.yaml', 'providers:\n  deepl:\n    maxInFlight: 4\n    requestsPerMinute: 600\n  libretranslate:\n    charsPerMinute: 120000\n');
    expect(loadProvidersConfig({ LOCFLOW_CONFIG: path }).providers).toEqual({ deepl: { maxInFlight: 4, requestsPerMinute: 600 }, libretranslate: { charsPerMinute: 120000 } });
    for (const [text, where] of [
      ['providers:\n  deepl:\n    maxInFlight: 0\n', 'providers.deepl.maxInFlight'],
      ['providers:\n  deepl:\n    maxInflight: 4\n', 'providers.deepl'],
      ['providers:\n  deepl:\n    requestsPerMinute: -1\n', 'providers.deepl.requestsPerMinute'],
    ] as const) {
      const bad = file('bad-limits.yaml', text);
      expect(() => loadProvidersConfig({ LOCFLOW_CONFIG: bad })).toThrow(where);
    }
  });

  it('caps the process gate at maxInFlight even without Redis (one-shot CLI)', async () => {
    let now = 0;
    let max = 0;
    const slow = fakeProvider('slowmt', [['fr', 'en']], { limits: { maxTexts: 1, maxChars: 1000, concurrency: 8 } });
    const plain = slow.translate.bind(slow);
    slow.translate = async (req) => {
      max = Math.max(max, ++now);
      await new Promise((r) => setTimeout(r, 20));
      now--;
      return plain(req);
    };
    const translator = await openTranslator({ providers: [slow], provider: 'slowmt', config: { env: {}, routes: {}, pivots: ['en'], retry: {}, providers: { slowmt: { maxInFlight: 2 } } } });
    await translator.translate({ segments: Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, text: `t${i}` })), from: 'fr', to: 'en', terms: [] });
    expect(max).toBe(2);
  });

  it('converts camel case to variable names', () => {
    expect(camelToEnv('deeplAuthKey')).toBe('DEEPL_AUTH_KEY');
    expect(camelToEnv('openaiBaseURL')).toBe('OPENAI_BASE_URL');
    expect(camelToEnv('azureTranslatorRegion')).toBe('AZURE_TRANSLATOR_REGION');
  });

  it('finds the most specific chain for a pair', () => {
    const routes = { '*': ['a'], 'fr-*': ['b'], '*-vi': ['c'], 'fr-vi': ['d'], 'pt-BR-en': ['e'] };
    expect(configuredChain(routes, 'fr', 'vi')).toEqual(['d']);
    expect(configuredChain(routes, 'fr', 'en')).toEqual(['b']);
    expect(configuredChain(routes, 'en', 'vi')).toEqual(['c']);
    expect(configuredChain(routes, 'en', 'es')).toEqual(['a']);
    expect(configuredChain(routes, 'pt-BR', 'en')).toEqual(['e']);
    expect(configuredChain({}, 'fr', 'en')).toBeUndefined();
  });

  it('drives routing through createTranslator', async () => {
    const path = file('routes.yaml', 'routes:\n  fr-en: [apertium, deepl]\n');
    const deepl = fakeProvider('deepl', [['fr', 'en']]);
    const apertium = fakeProvider('apertium', [['fr', 'en']]);
    const t = await openTranslator({ env: { LOCFLOW_CONFIG: path, PATH: '/nonexistent' }, providers: [deepl, apertium] });
    expect(t.routes('fr', 'en').map((r) => r.id)).toEqual(['apertium:fr>en', 'deepl:fr>en']);
  });
});
