/**
 * The spellings of a loopback or private address that a URL parser accepts
 * and normalises: decimal and hex IPv4, IPv4-mapped and IPv4-compatible IPv6,
 * the unspecified address, NAT64. Each must be refused as a webhook target
 * unless LOCFLOW_WEBHOOK_ALLOW_PRIVATE=1; public addresses stay allowed. A
 * receiver's redirect is never followed, where it could lead past that check.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, createWebhookProcessor, isPrivateAddress, type WebhookJobData } from '../../workers/webhooks.js';

describe('webhook URLs that name a private address in another spelling', () => {
  it.each([
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'http://127.1/hook',
    'http://0.0.0.0/hook',
    'http://[::1]/hook',
    'http://[::]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[0:0:0:0:0:ffff:7f00:1]/hook',
    'http://[::ffff:169.254.169.254]/latest/meta-data',
    'http://[::127.0.0.1]/hook',
    'http://[::10.0.0.1]/hook',
    'http://[64:ff9b::a9fe:a9fe]/hook',
    'http://[64:ff9b:1::a00:1]/hook',
    // 6to4 (2002:AABB:CCDD::/48 carries AA.BB.CC.DD), Teredo (relay + inverted client), SIIT, mapped in hex.
    'http://[2002:7f00:1::]/hook',
    'http://[2002:7f00:0001:0:0:0:0:1]/hook',
    'http://[2002:a9fe:a9fe::1]/latest/meta-data',
    'http://[2002:c0a8:101::]/hook',
    'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook',
    'http://[2001:0:7f00:1::1]/hook',
    'http://[::ffff:0:7f00:1]/hook',
    'http://[::ffff:0:10.1.2.3]/hook',
    'http://[::ffff:7f00:1]/hook',
  ])('%s is refused', async (url) => {
    await expect(checkWebhookUrl(url, false)).rejects.toMatchObject({ code: 'webhook-refused', status: 422 });
    await expect(checkWebhookUrl(url, true)).resolves.toBeInstanceOf(URL);
  });

  it('public IPv6 and IPv4-mapped public addresses stay allowed', () => {
    for (const a of ['2606:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808', '2001:4860:4860::8888', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:f7f7:f7f7']) expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('a webhook receiver that redirects', () => {
  it('is not followed, and not retried: the redirect is the answer', async () => {
    let followed = false;
    const target = createServer((_req, res) => {
      followed = true;
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const redirector = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}/internal` }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    try {
      // allowPrivate only so that the test's own receiver on 127.0.0.1 is reachable at all.
      const deliver = createWebhookProcessor({ secret: undefined, allowPrivate: true, timeoutMs: 5_000 });
      const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`;
      const job = { id: 'd1', data: { url, event: 'job.completed', job: { id: 'j_1', status: 'completed', targets: {} } } } as unknown as Job<WebhookJobData>;
      const err = await deliver(job).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect((err as Error).message).toBe(`webhook ${url} answered HTTP 307 (redirects are not followed: give the final URL)`);
      expect(followed).toBe(false);
    } finally {
      await new Promise((r) => redirector.close(r));
      await new Promise((r) => target.close(r));
    }
  });
});
