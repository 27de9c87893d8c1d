// The sides of a case or a transfer, and who is on which: the part of the policy (policy.ts) that
// the web console applies too, so it imports nothing else.

/**
 * - `visible`: anyone who may see the object (its holding country, its claimed or verified
 *   destination country, admins);
 * - `holding`: users of the country holding the person (or sending the batch);
 * - `claimed`: users of the country whose nationality the person claims (who verifies it);
 * - `destination`: users of the country receiving the person or the batch;
 * - `either`: holding or destination/claimed side.
 */
export const SIDES = ['visible', 'holding', 'claimed', 'destination', 'either'] as const;
export type Side = (typeof SIDES)[number];

/** The countries that count as each side of an object. */
export interface Sides {
  holding: string;
  claimed: string | null;
  destination: string | null;
}

/** Whether a user of `country` is on `side` of an object (who may see it at all: db/visibility.ts). */
export function onSide(side: Side, country: string, sides: Sides): boolean {
  switch (side) {
    case 'visible':
      return true;
    case 'holding':
      return country === sides.holding;
    case 'claimed':
      return country === sides.claimed;
    case 'destination':
      return country === sides.destination;
    case 'either':
      return country === sides.holding || country === sides.claimed || country === sides.destination;
  }
}

