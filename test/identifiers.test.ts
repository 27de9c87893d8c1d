// Identifier normalisation and the plain form of the visibility rule, without servers.
import { describe, expect, it } from 'vitest';
import { linkVisible, recordVisible, teamExpired } from '../api/intel-policy.js';
import {
  identifyEntity,
  normaliseAccountNumber,
  normaliseName,
  normalisePhone,
  normaliseWallet,
  searchForms,
} from '../lib/identifiers.js';

/** A stand-in for the keyed hash (lib/crypto.ts fingerprint): shows which text was hashed. */
const hash = (n: string) => `h(${n})`;

describe('identifiers', () => {
  it('phones: E.164, a national number read in the given region', () => {
    expect(normalisePhone('012 345 678', 'KH')).toBe('+85512345678');
    expect(normalisePhone('+855 (0)12-345-678')).toBe('+85512345678');
    expect(normalisePhone('138 0013 8000', 'CN')).toBe('+8613800138000');
    expect(normalisePhone('081-234-5678', 'TH')).toBe('+66812345678');
    expect(() => normalisePhone('012 345 678')).toThrow(/not a valid phone/);
    expect(() => normalisePhone('+855 1', 'KH')).toThrow(/not a valid phone/);
  });

  it('bank accounts: no spacing, upper case, IBANs checked', () => {
    expect(normaliseAccountNumber(' 0012-345 678.9 ')).toBe('00123456789');
    expect(normaliseAccountNumber('de89 3704 0044 0532 0130 00')).toBe('DE89370400440532013000');
    expect(() => normaliseAccountNumber('DE89 3704 0044 0532 0130 01')).toThrow(/IBAN/);
    expect(() => normaliseAccountNumber('12')).toThrow(/4 to 34/);
  });

  it('wallets by chain: EVM lower case, bech32 lower case with its checksum, base58 as written', () => {
    const evm = '0x52908400098527886E0F7030069857D2E4169EE7';
    expect(normaliseWallet('eth', evm)).toBe(evm.toLowerCase());
    expect(normaliseWallet('polygon', evm.toLowerCase())).toBe(evm.toLowerCase());
    expect(() => normaliseWallet('eth', evm.slice(0, -1))).toThrow();
    expect(normaliseWallet('btc', 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4')).toBe('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
    expect(() => normaliseWallet('btc', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5')).toThrow(/checksum/);
    expect(normaliseWallet('btc', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).toBe('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2');
    expect(normaliseWallet('tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t')).toBe('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t');
    expect(() => normaliseWallet('tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6O')).toThrow();
  });

  it('names in any script: NFKC and case-folded', () => {
    expect(normaliseName('ＷＡＮＧ  Lei')).toBe('wang lei');
    expect(normaliseName('佘智江')).toBe('佘智江');
    expect(normaliseName('ΣΩΚΡΆΤΗΣ')).toBe(normaliseName('σωκράτης'));
    expect(normaliseName('STRASSE')).toBe(normaliseName('straße'));
  });

  it('an entity: stored attributes, identifiers, and the key that makes two records one', () => {
    expect(identifyEntity('phone', { number: '097 123 4567' }, 'KH', hash)).toEqual({
      attributes: { number: '+855971234567' },
      identifiers: [{ kind: 'phone', value: '+855971234567' }],
      identityKey: 'phone:+855971234567',
    });
    const a = identifyEntity('account', { type: 'bank', bank: 'ABA', number: '000 123 456', country: 'KH' }, 'KH', hash);
    const b = identifyEntity('account', { type: 'bank', bank: 'ABA Bank', number: '000-123-456', country: 'KH' }, 'TH', hash);
    expect(a.identityKey).toBe(b.identityKey);
    const person = identifyEntity('person', { name: 'Chen Zhi', aliases: ['陈志'], role: 'organiser', documents: [{ type: 'passport', number: 'e 123 456', issuingCountry: 'CN' }] }, 'KH', hash);
    // A document number is kept as its keyed hash alone, of the number as issued.
    expect(person.identifiers).toEqual([
      { kind: 'name', value: 'chen zhi' },
      { kind: 'name', value: '陈志' },
      { kind: 'document', value: 'h(E123456)' },
    ]);
    expect(person.attributes.documents).toEqual([{ type: 'passport', issuingCountry: 'CN', numberHash: 'h(E123456)' }]);
    expect(JSON.stringify(person)).not.toMatch(/E123456"|e 123 456/);
    expect(person.identityKey).toBeNull();
    expect(identifyEntity('online_identity', { platform: 'Telegram', handle: '@BossChen' }, 'KH', hash).identityKey).toBe('online_identity:telegram:bosschen');
  });

  it('search text in every form an identifier may take', () => {
    expect(searchForms('012 345 678', 'KH')).toEqual(expect.arrayContaining(['+85512345678', '012345678', '012 345 678']));
    expect(searchForms('e-123 456', 'KH', hash)).toContain('h(E123456)');
  });
});

describe('visibility, plain form', () => {
  const rec = (originCountry: string, releasableTo: string[] | null, extra: Record<string, unknown> = {}) => ({ originCountry, releasableTo, ...extra });
  it('the originator, the countries released to, the whole team; admins all', () => {
    expect(recordVisible(rec('KH', ['KH']), 'KH')).toBe(true);
    expect(recordVisible(rec('KH', ['KH']), 'CN')).toBe(false);
    expect(recordVisible(rec('KH', ['CN']), 'CN')).toBe(true);
    expect(recordVisible(rec('KH', null), 'TH')).toBe(true);
    expect(recordVisible(rec('KH', ['KH']), null)).toBe(true);
  });
  it('a victim is never shared by a whole-team release, only by name', () => {
    const victim = (to: string[] | null) => rec('KH', to, { kind: 'person', attributes: { role: 'victim' } });
    expect(recordVisible(victim(null), 'CN')).toBe(false);
    expect(recordVisible(victim(null), 'KH')).toBe(true);
    expect(recordVisible(victim(['CN']), 'CN')).toBe(true);
  });
  it('a link needs both its ends', () => {
    expect(linkVisible(rec('KH', null), rec('KH', null), rec('CN', ['CN']), 'KH')).toBe(false);
    expect(linkVisible(rec('KH', null), rec('KH', null), rec('CN', null), 'KH')).toBe(true);
  });
  it('a team is read-only once its last valid day is over (UTC)', () => {
    expect(teamExpired({ validUntil: '2026-03-01' }, new Date('2026-03-01T23:59:59Z'))).toBe(false);
    expect(teamExpired({ validUntil: '2026-03-01' }, new Date('2026-03-02T00:00:00Z'))).toBe(true);
  });
});
