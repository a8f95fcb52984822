import { computeChunkItems } from '../../agent/quarantine/chunk-items.js';

describe('batch chunk size', () => {
  it('fits a quarter of the open-file limit, two descriptors per item, between 8 and 500', () => {
    expect(computeChunkItems(256)).toBe(32);
    expect(computeChunkItems(1024)).toBe(128);
    expect(computeChunkItems(1_048_576)).toBe(500);
    expect(computeChunkItems(16)).toBe(8);
    expect(computeChunkItems(null)).toBe(500);
  });
});
