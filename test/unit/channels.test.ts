import { describe, expect, it } from 'vitest';
import { channelSettings, ChannelSettingsSchema, ipAllowed, parseNetwork } from '../../domain/channels.js';

describe('IP allow-list', () => {
  const list = ['203.0.113.0/24', '198.51.100.7', '2001:db8::/32'];

  it.each([
    ['203.0.113.200', true], ['203.0.114.1', false], ['198.51.100.7', true], ['198.51.100.8', false],
    ['2001:db8:1::5', true], ['2001:db9::1', false],
    // an IPv4 client on a dual-stack socket is seen as ::ffff:a.b.c.d
    ['::ffff:203.0.113.9', true], ['::ffff:192.0.2.1', false],
    ['not-an-address', false], [undefined, false],
  ])('%s → %s', (ip, allowed) => {
    expect(ipAllowed(list, ip)).toBe(allowed);
  });

  it('an empty list allows every address', () => {
    expect(ipAllowed([], '192.0.2.1')).toBe(true);
  });

  it('reads addresses and networks strictly', () => {
    expect(parseNetwork('10.0.0.0/8')?.[1]).toBe(8);
    expect(parseNetwork('10.1')).toBeNull(); // ipaddr alone would read this as 10.0.0.1
    expect(parseNetwork('0x7f.1')).toBeNull();
    expect(parseNetwork('10.0.0.0/33')).toBeNull();
    expect(parseNetwork('10.0.0.0/8/1')).toBeNull();
    expect(parseNetwork('::1/129')).toBeNull();
    expect(parseNetwork('::1')?.[1]).toBe(128);
  });
});

describe('channel settings', () => {
  it('fill in defaults, and refuse a malformed allow-list entry by its position', () => {
    expect(channelSettings({})).toEqual({
      paymentMode: 'balance', allowSplit: false, emailKeys: false, rateLimitPerMinute: 120, ipAllowList: [], maxQuantity: 1000, countSeparately: false,
    });
    const bad = ChannelSettingsSchema.safeParse({ ipAllowList: ['203.0.113.0/24', '10.1'] });
    expect(bad.error?.issues[0]?.path).toEqual(['ipAllowList', 1]);
    expect(ChannelSettingsSchema.safeParse({ unknown: true }).success).toBe(false);
  });
});
