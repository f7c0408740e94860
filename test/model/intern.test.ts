import { describe, expect, it } from 'vitest';
import { internEvent, internSnapshot } from '../../src/model/intern.js';

describe('internEvent', () => {
  it('gives one frozen object for events of equal contents, arrays and objects included', () => {
    const scan = internEvent({ type: 'SCAN_ROUTES', targeted: [64, 80], elsewhere: [] });
    expect(internEvent({ type: 'SCAN_ROUTES', targeted: [64, 80], elsewhere: [] })).toBe(scan);
    expect(Object.isFrozen(scan)).toBe(true);
    const vm = { seoib: 'enabled', irqchip: 'split' };
    const write = internEvent({ type: 'WRMSR', msr: 0x80b, vm });
    expect(internEvent({ type: 'WRMSR', msr: 0x80b, vm: { ...vm } })).toBe(write);
  });

  it('tells apart events that differ in a value, an array element, a nesting or a field', () => {
    const scan = internEvent({ type: 'SCAN_ROUTES', targeted: [64, 80], elsewhere: [] });
    expect(internEvent({ type: 'SCAN_ROUTES', targeted: [64], elsewhere: [80] })).not.toBe(scan);
    expect(internEvent({ type: 'SCAN_ROUTES', targeted: [80, 64], elsewhere: [] })).not.toBe(scan);
    expect(internEvent({ type: 'SCAN_ROUTES', targeted: [[64, 80]], elsewhere: [] })).not.toBe(scan);
    expect(internEvent({ type: 'SET_LINE', level: 1 })).not.toBe(
      internEvent({ type: 'SET_LINE', level: '1' }),
    );
    expect(internEvent({ type: 'SET_LINE', level: true })).not.toBe(
      internEvent({ type: 'SET_LINE', high: true }),
    );
    expect(internEvent({ type: 'X', a: { 0: 1 } })).not.toBe(internEvent({ type: 'X', a: [1] }));
    expect(internEvent({ type: 'X', a: [] })).not.toBe(internEvent({ type: 'X', a: {} }));
  });

  it('takes a frozen event as canonical already', () => {
    const constant = Object.freeze({ type: 'ACCEPT' });
    expect(internEvent(constant)).toBe(constant);
  });
});

describe('internSnapshot', () => {
  it('gives the first of equal snapshots of a machine, and keeps machines apart', () => {
    const first = { value: 'idle', context: { vector: 64 } };
    expect(internSnapshot('intern-test-a', first)).toBe(first);
    expect(internSnapshot('intern-test-a', { value: 'idle', context: { vector: 64 } })).toBe(first);
    const other = { value: 'idle', context: { vector: 64 } };
    expect(internSnapshot('intern-test-b', other)).toBe(other);
    const changed = { value: 'idle', context: { vector: 65 } };
    expect(internSnapshot('intern-test-a', changed)).toBe(changed);
  });
});
