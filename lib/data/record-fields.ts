// Checked access to the fields of a parsed record (JSON or Python literal), so every reader says
// the same thing, the same way, when a field is missing or has the wrong shape.

/** Abandons the record: "expected <expected> but found <found>". */
export type Fail = (expected: string, found?: string) => never;

/** A short description of a value for "but found …". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'None/null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a dict';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

export function asObject(value: unknown, what: string, fail: Fail): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${what} to be a dict`, describeValue(value));
  return value as Record<string, unknown>;
}

export function stringField(obj: Record<string, unknown>, key: string, where: string, fail: Fail, options: { nonEmpty?: boolean } = {}): string {
  const v = obj[key];
  if (typeof v !== 'string') fail(`${where}${key} to be a string`, describeValue(v));
  if (options.nonEmpty && v === '') fail(`${where}${key} to be a non-empty string`, 'an empty string');
  return v;
}

export function stringListField(obj: Record<string, unknown>, key: string, where: string, fail: Fail): string[] {
  const v = obj[key];
  if (!Array.isArray(v)) fail(`${where}${key} to be a list of strings`, describeValue(v));
  v.forEach((item, i) => {
    if (typeof item !== 'string') fail(`${where}${key}[${i}] to be a string`, describeValue(item));
  });
  return v as string[];
}

/**
 * A `[start, end)` token span inside `tokens`, whose `name` (when given) must equal the tokens
 * it covers joined by spaces: that is how MNRE and JMERE records relate them.
 */
export function spanField(
  obj: Record<string, unknown>,
  key: string,
  where: string,
  tokens: readonly string[],
  name: string | undefined,
  fail: Fail,
): [number, number] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x))) {
    fail(`${where}${key} to be a [start, end) pair of integers`, describeValue(v));
  }
  const [start, end] = v as [number, number];
  if (!(start >= 0 && start < end && end <= tokens.length)) {
    fail(`${where}${key} to be a span with 0 <= start < end <= ${tokens.length} (the token count)`, `[${start}, ${end}]`);
  }
  if (name !== undefined) {
    const covered = tokens.slice(start, end).join(' ');
    if (covered !== name) fail(`${where}name ${JSON.stringify(name)} to equal the tokens at ${key} [${start}, ${end})`, JSON.stringify(covered));
  }
  return [start, end];
}
