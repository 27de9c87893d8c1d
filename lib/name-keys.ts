// Search keys of a person's name (issue 16): the name in any script, without diacritics and case,
// and a name in Han characters also as toneless pinyin. The keys are every run of consecutive
// tokens joined ("xiao", "ming", "xiaoming", "wangxiaoming"), so a query matches with or without
// spaces. Keys are personal data: they stay in the case store, never in search attributes or logs.
import { pinyin } from 'pinyin-pro';

const HAN = /\p{Script=Han}/u;
const HAN_CHAR = /(\p{Script=Han})/gu;
// The combining diacritical marks (accents, tones of Latin script); the vowel signs of Thai or Khmer
// are letters of their word and stay.
const DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
const MAX_KEYS = 200;

/** NFKD, no diacritics, casefolded, punctuation as spaces, spaces collapsed. */
export function normaliseName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(DIACRITICS, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim();
}

/** The tokens of a query: its words, normalised. */
export const queryTokens = (query: string): string[] => normaliseName(query).split(' ').filter(Boolean);

function runs(tokens: string[]): string[] {
  const keys: string[] = [];
  for (let i = 0; i < tokens.length; i++) for (let j = i + 1; j <= tokens.length; j++) keys.push(tokens.slice(i, j).join(''));
  return keys;
}

/** The search keys stored with a person's name. */
export function nameKeys(fullName: string): string[] {
  const base = normaliseName(fullName.replace(HAN_CHAR, ' $1 ')).split(' ').filter(Boolean);
  const keys = new Set(runs(base));
  if (HAN.test(fullName)) {
    const syllables = pinyin(fullName, { toneType: 'none', type: 'array', surname: 'head', nonZh: 'spaced' })
      .flatMap((s) => normaliseName(s).split(' '))
      .filter(Boolean);
    for (const k of runs(syllables)) keys.add(k);
  }
  return [...keys].slice(0, MAX_KEYS);
}
