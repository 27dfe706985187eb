import { describe, expect, it } from 'vitest';
import { olderThanBullmqNeeds } from '../../workers/redis.js';

describe('Redis version check at start-up', () => {
  it('refuses servers older than 6.2, as the message says, and accepts 6.2 and later', () => {
    expect(['5.0.14', '6.0.16', '6.1.0', 'garbage'].filter(olderThanBullmqNeeds)).toEqual(['5.0.14', '6.0.16', '6.1.0', 'garbage']);
    expect(['6.2.0', '6.2.14', '7.0.15', '7.4.1', '8.0.0'].filter(olderThanBullmqNeeds)).toEqual([]);
  });
});
