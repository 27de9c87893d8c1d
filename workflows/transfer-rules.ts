// Rules of a transfer batch with no SDK import: the workflow's validator and the API share them.

/** The ids listed both as received and as missing, in the order received lists them; linear in both lists. */
export function caseIdsInBoth(receivedCaseIds: readonly string[], missingCaseIds: readonly string[]): string[] {
  const missing = new Set(missingCaseIds);
  const both = new Set<string>();
  for (const id of receivedCaseIds) if (missing.has(id)) both.add(id);
  return [...both];
}
