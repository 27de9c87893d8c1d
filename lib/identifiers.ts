// Identifiers in one written form, so the same phone, account or wallet typed two ways is found as
// one: phones in E.164, bank account numbers without spacing in upper case (IBANs checked), wallet
// addresses by chain, names in NFKC and case-folded so any script compares as typed.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** A value that is not an identifier of its kind; `field` names where it was given. */
export class IdentifierError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'IdentifierError';
  }
}

/** Names, handles and free text: NFKC, case-folded, inner whitespace collapsed. */
export function normaliseName(value: string): string {
  // Lower case plus the folds it lacks: final sigma and sharp s compare as σ and ss.
  return value.normalize('NFKC').toLowerCase().replace(/ς/gu, 'σ').replace(/ß/gu, 'ss').replace(/\s+/gu, ' ').trim();
}

/** A phone number in E.164; `region` (ISO 3166-1 alpha-2) reads a national number. */
export function normalisePhone(value: string, region?: string, field = 'number'): string {
  const parsed = parsePhoneNumberFromString(value, region ? { defaultCountry: region as CountryCode } : undefined);
  if (!parsed || !parsed.isValid()) throw new IdentifierError(field, `not a valid phone number${region ? ` (read in ${region})` : ''}`);
  return parsed.number;
}

/** Moves the first four characters to the end and reads letters as 10..35: the ISO 13616 check. */
function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

const IBAN_SHAPE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;

/** A bank account number without spaces, hyphens or dots, in upper case; an IBAN must pass its check. */
export function normaliseAccountNumber(value: string, field = 'number'): string {
  const compact = value.normalize('NFKC').replace(/[\s\-.]/gu, '').toUpperCase();
  if (!/^[A-Z0-9]{4,34}$/.test(compact)) throw new IdentifierError(field, 'an account number is 4 to 34 letters and digits');
  if (IBAN_SHAPE.test(compact) && !ibanChecksumValid(compact)) throw new IdentifierError(field, 'an IBAN whose check digits do not match');
  return compact;
}

// ---- wallets ----

/** Chains whose addresses are 0x and 40 hex digits (EVM); stored in lower case. */
export const EVM_CHAINS = ['eth', 'bsc', 'polygon', 'arbitrum', 'optimism', 'avalanche', 'base'] as const;
/** Chains with base58 addresses, kept as written (base58 is case-sensitive). */
export const BASE58_CHAINS = ['tron', 'sol'] as const;
export const CHAINS = ['btc', ...EVM_CHAINS, ...BASE58_CHAINS] as const;
export type Chain = (typeof CHAINS)[number];

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;
const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function bech32Polymod(values: number[]): number {
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i];
  }
  return chk >>> 0;
}

/** BIP-173 / BIP-350: a bc1 address whose checksum holds (bech32 for v0, bech32m after). */
function bech32Valid(address: string): boolean {
  const sep = address.lastIndexOf('1');
  const hrp = address.slice(0, sep);
  const data = [...address.slice(sep + 1)].map((c) => BECH32_CHARSET.indexOf(c));
  if (hrp !== 'bc' || data.length < 7 || data.some((d) => d < 0)) return false;
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const check = bech32Polymod([...expanded, ...data]);
  return data[0] === 0 ? check === 1 : check === 0x2bc830a3;
}

/** A wallet address in the form its chain compares by; malformed addresses are refused. */
export function normaliseWallet(chain: Chain, value: string, field = 'address'): string {
  const address = value.trim();
  if ((EVM_CHAINS as readonly string[]).includes(chain)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new IdentifierError(field, `an ${chain} address is 0x and 40 hex digits`);
    return address.toLowerCase();
  }
  if (chain === 'btc') {
    if (/^bc1/i.test(address)) {
      // Bech32 is one case throughout; stored lower.
      if (address !== address.toLowerCase() && address !== address.toUpperCase()) throw new IdentifierError(field, 'a bech32 address in mixed case');
      const lower = address.toLowerCase();
      if (lower.length < 14 || lower.length > 74 || !bech32Valid(lower)) throw new IdentifierError(field, 'a bech32 address whose checksum does not match');
      return lower;
    }
    if (/^[13]/.test(address) && address.length >= 26 && address.length <= 35 && BASE58.test(address)) return address;
    throw new IdentifierError(field, 'a bitcoin address is bech32 (bc1…) or base58 (1… or 3…)');
  }
  if (chain === 'tron') {
    if (/^T/.test(address) && address.length === 34 && BASE58.test(address)) return address;
    throw new IdentifierError(field, 'a tron address is T and 33 more base58 characters');
  }
  if (address.length >= 32 && address.length <= 44 && BASE58.test(address)) return address;
  throw new IdentifierError(field, `a ${chain} address is 32 to 44 base58 characters`);
}

/** A document number as issued: no spacing, upper case. */
export function normaliseDocumentNumber(value: string): string {
  return value.normalize('NFKC').replace(/[\s\-]/gu, '').toUpperCase();
}

/** A vehicle plate: no spacing or hyphens, upper case. */
export const normalisePlate = normaliseDocumentNumber;

/** An online handle: case-folded, without a leading @. */
export function normaliseHandle(value: string): string {
  return normaliseName(value).replace(/^@/, '');
}

/** The keyed hash document numbers are stored and matched by (lib/crypto.ts `fingerprint`, as for cases). */
export type DocumentHash = (number: string) => string;

/**
 * The forms a search text may be in: as a name, an account number, a phone number (read in the
 * caller's region too), a wallet address, a document number's keyed hash; the store compares
 * identifiers against each.
 */
export function searchForms(q: string, region?: string, documentHash?: DocumentHash): string[] {
  const forms = new Set<string>([normaliseName(q), normaliseHandle(q)]);
  const attempts: (() => string)[] = [
    () => normaliseAccountNumber(q),
    () => normalisePhone(q),
    ...(region ? [() => normalisePhone(q, region)] : []),
    () => normaliseWallet('eth', q),
    () => normaliseWallet('btc', q),
    () => normalisePlate(q),
    ...(documentHash ? [() => documentHash(normaliseDocumentNumber(q))] : []),
  ];
  for (const attempt of attempts) {
    try {
      forms.add(attempt());
    } catch {
      // not of this kind
    }
  }
  forms.add(q.trim());
  return [...forms].filter((f) => f.length > 0);
}

/** An entity's attributes in stored form, the identifiers it is found by, and what makes it one thing. */
export interface Identified {
  attributes: Record<string, unknown>;
  identifiers: { kind: string; value: string }[];
  /** Unique within a team: the same account, phone, wallet or handle recorded twice is one record. */
  identityKey: string | null;
}

type Attrs = Record<string, any>;

/**
 * Normalises the identifiers in an entity's attributes (already validated for its kind); `region`
 * reads national phone numbers when the attributes name no country. A document number is kept only
 * as its keyed hash (`documentHash`), in the attributes and as an identifier, never in clear.
 * Throws IdentifierError with the attribute's path.
 */
export function identifyEntity(kind: string, input: Attrs, region: string, documentHash: DocumentHash): Identified {
  const a: Attrs = { ...input };
  const ids: { kind: string; value: string }[] = [];
  const names = (...values: (string | undefined)[]) => {
    for (const v of values) if (v) ids.push({ kind: 'name', value: normaliseName(v) });
  };
  let identityKey: string | null = null;
  switch (kind) {
    case 'person':
      names(a.name, ...(a.aliases ?? []));
      a.documents = a.documents?.map(({ number, ...d }: Attrs) => ({ ...d, numberHash: documentHash(normaliseDocumentNumber(number)) }));
      for (const d of a.documents ?? []) ids.push({ kind: 'document', value: d.numberHash });
      break;
    case 'organisation':
      names(a.name, ...(a.aliases ?? []));
      break;
    case 'location':
      names(a.name);
      break;
    case 'account':
      names(a.holderName);
      if (a.type === 'bank') {
        a.number = normaliseAccountNumber(a.number, 'attributes.number');
        ids.push({ kind: 'account', value: a.number });
        identityKey = `account:bank:${a.country}:${a.number}`;
      } else if (a.type === 'e_wallet') {
        a.provider = normaliseName(a.provider);
        a.number = normaliseAccountNumber(a.number, 'attributes.number');
        ids.push({ kind: 'account', value: a.number });
        // Mobile wallets are opened on a phone number: found by the phone too.
        try {
          ids.push({ kind: 'phone', value: normalisePhone(a.number, a.country ?? region) });
        } catch {
          // a wallet number that is no phone number
        }
        identityKey = `account:e_wallet:${a.provider}:${a.number}`;
      } else {
        a.address = normaliseWallet(a.chain, a.address, 'attributes.address');
        ids.push({ kind: 'wallet', value: a.address });
        identityKey = `wallet:${a.chain}:${a.address}`;
      }
      break;
    case 'phone':
      a.number = normalisePhone(a.number, a.country ?? region, 'attributes.number');
      ids.push({ kind: 'phone', value: a.number });
      identityKey = `phone:${a.number}`;
      break;
    case 'online_identity':
      a.platform = normaliseName(a.platform);
      a.handle = normaliseHandle(a.handle);
      if (!a.handle) throw new IdentifierError('attributes.handle', 'a handle is more than "@"');
      ids.push({ kind: 'online_identity', value: `${a.platform}:${a.handle}` }, { kind: 'online_identity', value: a.handle });
      names(a.displayName);
      identityKey = `online_identity:${a.platform}:${a.handle}`;
      break;
    case 'vehicle':
      if (a.plate) {
        a.plate = normalisePlate(a.plate);
        ids.push({ kind: 'plate', value: a.plate });
        identityKey = `vehicle:${a.country ?? ''}:${a.plate}`;
      }
      break;
  }
  const unique = new Map(ids.filter((i) => i.value.length > 0).map((i) => [`${i.kind}\u0000${i.value}`, i]));
  return { attributes: a, identifiers: [...unique.values()], identityKey };
}
