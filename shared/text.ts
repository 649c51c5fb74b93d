/**
 * What a person reads of text someone else wrote (a browser's report, a provider's answer, an admin's sender name) is
 * plain, on one line, and in the order it was written: no control characters (C0, C1), no line or paragraph
 * separators, and no format characters (Unicode's Cf class: bidirectional overrides and isolates, zero-width spaces and
 * joiners, the word joiner and invisible operators, the byte-order mark) nor the tag block (U+E0000–U+E007F, mostly Cf
 * and otherwise unassigned). They would start new lines in mail, logs and the popup, reorder what follows (U+202E), or
 * hide text from the reader while it still matches or links.
 */
export const UNSAFE_TEXT = /[\p{Cc}\p{Cf}\u2028\u2029\u{E0000}-\u{E007F}]+/gu;

/** Replaces every run of what UNSAFE_TEXT matches with a space: one harmless line. */
export const oneLine = (s: string): string => s.replace(UNSAFE_TEXT, ' ');

const ANY_UNSAFE = new RegExp(UNSAFE_TEXT.source, 'u');

/** Whether `s` holds anything UNSAFE_TEXT matches. */
export const hasUnsafeText = (s: string): boolean => ANY_UNSAFE.test(s);
