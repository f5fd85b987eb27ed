/**
 * The expression the `regex` comparator matches the whole output with. Anchoring uses the
 * sticky flag and an end-of-input lookahead instead of `^…$`, which the `m` flag would turn
 * into line anchors; trying the full match as one expression lets alternations backtrack
 * (`a|ab` matches `ab`). Throws a SyntaxError for a pattern (or flags) that does not compile.
 */
export function anchoredRegex(pattern: string, flags: string): RegExp {
  // Compile the bare pattern first: wrapping it in a group could make an invalid one valid (`a)(b`).
  new RegExp(pattern, flags);
  return new RegExp(`(?:${pattern})(?![\\s\\S])`, `${flags}y`);
}
