/**
 * The post-editing round trip over HTTP (XLIFF in, new revision, human TM
 * entries used by the next job), the webhook address rules, and the queue
 * commands run as real processes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWebhookUrl, isPrivateAddress } from '../../workers/webhooks.js';
import { runCli, SAMPLE_FR } from '../helpers.js';
import { checkBundle, cleanPrefix, stackForTests, startLocflow, testConfig, waitFor, type LocflowProcess } from '../queue/helpers.js';

const sample = readFileSync(SAMPLE_FR, 'utf8');

describe('post-edited XLIFF', () => {
  const stack = stackForTests({ workers: 4 });

  async function run(text: string, targets: string[]) {
    const id = (await stack.app.inject({ method: 'POST', url: '/v1/jobs', payload: { text, targets, provider: 'pseudo' } })).json().id as string;
    const v = await waitFor(async () => {
      const j = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
      return j.status === 'completed' || j.status === 'failed' ? j : undefined;
    }, id);
    expect(v.status).toBe('completed');
    return id;
  }

  it('makes a new revision, and the next job takes the human sentence from the TM', async () => {
    const id = await run(sample, ['vi']);
    const xlf = (await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle?format=xliff&target=vi` })).body;
    // Edit the first translatable unit's target the way a CAT tool would.
    const unit = /<trans-unit id="([^"]+)"[^>]*>[\s\S]*?<target([^>]*)>([^<]*)<\/target>/.exec(xlf);
    expect(unit).not.toBeNull();
    const [whole, segId] = unit!;
    const edited = whole.replace(/<target([^>]*)>[^<]*<\/target>/, '<target$1>Bản dịch của biên tập viên</target>');
    const res = await stack.app.inject({ method: 'POST', url: `/v1/jobs/${id}/xliff`, headers: { 'content-type': 'application/xml' }, payload: xlf.replace(whole, edited) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, revision: 2, lang: 'vi', edited: [segId] });

    const zip = await stack.app.inject({ method: 'GET', url: `/v1/jobs/${id}/bundle` });
    expect(String(zip.headers['content-disposition'])).toContain('-r2.zip');
    const { aligned } = checkBundle(zip.rawPayload, ['fr', 'vi']);
    expect(aligned.segments.find((s) => s.id === segId)!.text.vi).toBe('Bản dịch của biên tập viên');

    // Same sentences, another article: the edited one comes from the TM as a human translation.
    const next = await run(`${sample}\n\nUne phrase de plus.`, ['vi']);
    const nextZip = checkBundle((await stack.app.inject({ method: 'GET', url: `/v1/jobs/${next}/bundle` })).rawPayload, ['fr', 'vi']);
    const seg = nextZip.aligned.segments.find((s) => s.id === segId) as unknown as { text: Record<string, string>; meta: Record<string, { human: boolean; tm: boolean }> };
    expect(seg.text.vi).toBe('Bản dịch của biên tập viên');
    expect(seg.meta.vi).toMatchObject({ human: true, tm: true });

    const broken = await stack.app.inject({ method: 'POST', url: `/v1/jobs/${id}/xliff`, headers: { 'content-type': 'application/xml' }, payload: '<xliff version="1.2"><file' });
    expect(broken.statusCode).toBeGreaterThanOrEqual(400);
    expect(broken.statusCode).toBeLessThan(500);
    expect(broken.json().error.code).toMatch(/^xliff-/);
  });
});

describe('webhook addresses', () => {
  it('knows private, loopback and link-local addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses private targets unless allowed, and bad URLs always', async () => {
    await expect(checkWebhookUrl('http://localhost:8080/hook', false)).rejects.toMatchObject({ code: 'webhook-refused', status: 422 });
    await expect(checkWebhookUrl('http://[::1]/hook', false)).rejects.toMatchObject({ code: 'webhook-refused' });
    await expect(checkWebhookUrl('http://localhost:8080/hook', true)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('ftp://example.com/x', true)).rejects.toMatchObject({ code: 'bad-webhook-url' });
    await expect(checkWebhookUrl('http://user:pw@example.com/x', true)).rejects.toMatchObject({ code: 'bad-webhook-url' });
  });
});

describe('queue commands as processes', () => {
  const config = testConfig();
  let serve: LocflowProcess;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'lf-cli-'));
  const env = { REDIS_URL: config.redisUrl, LOCFLOW_PREFIX: config.prefix, LOCFLOW_LOG_LEVEL: 'warn' };

  beforeAll(async () => {
    // Ready once it has said both its address and that its worker runs, in either order.
    serve = await startLocflow(['serve', '--port', '0', '--workers', '1'], config, { LOCFLOW_TOKENS: '' }, /^(?=[\s\S]*worker)[\s\S]*?http:\/\/127\.0\.0\.1:(\d+)/);
    url = `http://127.0.0.1:${serve.match[1]}`;
  });
  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
    await cleanPrefix(config.prefix);
  });

  it('submit --out waits, shows progress and writes a valid bundle; status and download work', async () => {
    const out = join(dir, 'b.zip');
    const r = await runCli(['submit', SAMPLE_FR, '--to', 'en,vi,es', '--provider', 'pseudo', '--out', out, '--server', url], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/completed/);
    const id = r.stdout.trim();
    expect(id).toMatch(/^j_/);
    checkBundle(readFileSync(out), ['fr', 'en', 'vi', 'es']);

    const s = await runCli(['status', id, '--json', '--server', url], { env });
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ id, status: 'completed' });

    const tmx = join(dir, 'b.tmx');
    const d = await runCli(['download', id, '--out', tmx, '--format', 'tmx', '--server', url], { env });
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(tmx, 'utf8')).toContain('<tmx');
  });

  it('exits 2 with one line for bad input, unknown jobs and unreachable servers', async () => {
    const bad = await runCli(['submit', SAMPLE_FR, '--to', 'en,xx-nope', '--server', url], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const unknown = await runCli(['status', 'j_nothing', '--server', url], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/404/);
    const down = await runCli(['status', 'j_x', '--server', 'http://127.0.0.1:9'], { env });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach/);
    const noRedis = await runCli(['worker'], { env: { REDIS_URL: 'redis://127.0.0.1:9' } });
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toMatch(/cannot reach Redis/);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => serve.child.once('exit', (code) => r(code)));
    serve.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
