// The JSON body parser of every route: UTF-8 only (RFC 8259), well-formed, and without duplicate
// keys, so a body means one thing to us and to any proxy or validator in front of us.
import { isUtf8 } from 'node:buffer';
import express, { type Request } from 'express';

/** A body the parser refuses before parsing; errors.ts maps `type` to a 400. */
function refuse(type: string, message: string): Error {
  return Object.assign(new Error(message), { type });
}

/**
 * The first key that appears twice in one object of a JSON text, if any. The text is scanned
 * once; keys are compared after unescaping ("a" and "\u0061" are the same key). The text is
 * assumed to be JSON; malformed text is left to JSON.parse.
 */
export function findDuplicateKey(text: string): string | undefined {
  const objects: (Set<string> | null)[] = []; // null: an array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        j++;
      }
      if (expectKey) {
        const raw = text.slice(i + 1, j);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(`"${raw}"`) as string;
          } catch {
            return undefined; // malformed: JSON.parse will say so
          }
        }
        const keys = objects[objects.length - 1]!;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      objects.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      objects.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      objects.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = objects[objects.length - 1] instanceof Set;
    }
  }
  return undefined;
}

function verify(_req: Request, _res: unknown, body: Buffer, encoding: string | null): void {
  if (encoding !== null && encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
    throw refuse('entity.charset.not.utf8', `JSON bodies are UTF-8; charset ${encoding} is not accepted`);
  }
  if (!isUtf8(body)) throw refuse('entity.invalid.utf8', 'the request body is not valid UTF-8');
  const duplicate = findDuplicateKey(body.toString('utf8'));
  if (duplicate !== undefined) throw refuse('entity.duplicate.key', `the key "${duplicate.slice(0, 100)}" appears twice in one object`);
}

export function jsonBody(limit: string) {
  return express.json({ limit, strict: true, verify });
}
