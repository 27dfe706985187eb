/**
 * The spellings of a loopback or private address that a URL parser accepts
 * and normalises: decimal and hex IPv4, IPv4-mapped and IPv4-compatible IPv6,
 * the unspecified address, NAT64. Each must be refused as a webhook target
 * unless LOCFLOW_WEBHOOK_ALLOW_PRIVATE=1; public addresses stay allowed.
 */
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, isPrivateAddress } from '../../workers/webhooks.js';

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
  ])('%s is refused', async (url) => {
    await expect(checkWebhookUrl(url, false)).rejects.toMatchObject({ code: 'webhook-refused', status: 422 });
    await expect(checkWebhookUrl(url, true)).resolves.toBeInstanceOf(URL);
  });

  it('public IPv6 and IPv4-mapped public addresses stay allowed', () => {
    for (const a of ['2606:4700::1111', '::ffff:8.8.8.8', '::ffff:808:808', '2001:4860:4860::8888']) expect(isPrivateAddress(a), a).toBe(false);
  });
});
