/**
 * Safe construction of JQL (Jira) and CQL (Confluence) from user text.
 *
 * User text only ever appears inside a double-quoted string literal, with `\`
 * and `"` backslash-escaped. Control characters (C0, DEL, C1 and the Unicode
 * line/paragraph separators) become spaces, since string literals cannot hold
 * raw line breaks; a lone UTF-16 surrogate becomes U+FFFD so the query can be
 * URL-encoded. Whatever the input, the query keeps its intended structure.
 *
 * Note: the text of a `text ~ "..."` clause is still interpreted by the search
 * engine (wildcards such as `*` or `?`, `-` for exclusion); that affects which
 * results match, not the shape of the query.
 */

function quoteLiteral(value: string): string {
  let out = '"';
  const s = typeof value === 'string' ? value : '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) out += ' ';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i] as string;
        out += s[i + 1] as string;
        i++;
      } else out += '\uFFFD';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\uFFFD';
    else out += s[i] as string;
  }
  return `${out}"`;
}

/** A double-quoted JQL string literal holding `value`. */
export function quoteJqlString(value: string): string {
  return quoteLiteral(value);
}

/** A double-quoted CQL string literal holding `value` (same escaping rules as JQL). */
export function quoteCqlString(value: string): string {
  return quoteLiteral(value);
}

function given(v: string | undefined): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/** `text ~ "<text>" [AND project = "<project>"] ORDER BY updated DESC` */
export function buildIssueSearchJql(opts: { text: string; project?: string }): string {
  let jql = `text ~ ${quoteJqlString(opts.text)}`;
  if (given(opts.project)) jql += ` AND project = ${quoteJqlString(opts.project)}`;
  return `${jql} ORDER BY updated DESC`;
}

/** `text ~ "<text>" [AND space = "<space>"] [AND type = "<type>"]` (all content types unless one is given). */
export function buildContentSearchCql(opts: { text: string; space?: string | undefined; type?: string | undefined }): string {
  let cql = `text ~ ${quoteCqlString(opts.text)}`;
  if (given(opts.space)) cql += ` AND space = ${quoteCqlString(opts.space)}`;
  if (given(opts.type)) cql += ` AND type = ${quoteCqlString(opts.type)}`;
  return cql;
}
