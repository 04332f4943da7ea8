import { describe, it, expect } from 'vitest';
import {
  quoteJqlString,
  quoteCqlString,
  buildIssueSearchJql,
  buildContentSearchCql,
} from '../../src/domain/query-language.js';

/**
 * A small JQL/CQL lexer: string literals ("..." or '...', with backslash
 * escapes, unescaped here), words and operators. Anything else is an error
 * token, so a malformed query cannot pass the structural assertions.
 */
type Token = { kind: 'string' | 'word' | 'op' | 'error'; value: string };

function lex(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] as string;
    if (c === ' ') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < query.length) {
        const d = query[j] as string;
        if (d === '\\') {
          if (j + 1 >= query.length) break;
          value += query[j + 1];
          j += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          j++;
          break;
        }
        if (d === '\n' || d === '\r') break; // raw line breaks are not allowed in a literal
        value += d;
        j++;
      }
      tokens.push(closed ? { kind: 'string', value } : { kind: 'error', value: query.slice(i) });
      if (!closed) return tokens;
      i = j;
      continue;
    }
    const word = /^[A-Za-z0-9_.]+/.exec(query.slice(i));
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      i += word[0].length;
      continue;
    }
    const op = /^(?:!=|!~|>=|<=|~|=|>|<|\(|\)|,)/.exec(query.slice(i));
    if (op) {
      tokens.push({ kind: 'op', value: op[0] });
      i += op[0].length;
      continue;
    }
    tokens.push({ kind: 'error', value: c });
    i++;
  }
  return tokens;
}

const w = (value: string): Token => ({ kind: 'word', value });
const op = (value: string): Token => ({ kind: 'op', value });
const str = (value: string): Token => ({ kind: 'string', value });
/** What a literal should hold: the input with control characters turned into spaces. */
const expected = (s: string): string =>
  Array.from(s, (ch) => {
    const c = ch.charCodeAt(0);
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 ? ' ' : ch;
  }).join('');

const HOSTILE = [
  'foo" OR project = X',
  'foo" OR "1"="1',
  '\\"',
  '\\\\',
  'a\\',
  '\\',
  'ORDER BY created',
  'a\nORDER BY x',
  'a\r\nb\tc\u0000d\u001fe\u007ff\u2028g',
  'project in (A, B)',
  'AND',
  'NOT',
  'EMPTY',
  'null',
  'text ~ "x"',
  "it's 'quoted'",
  '日本語 🎉',
  '"""',
  '',
  ' ',
  ') OR (1=1',
  '*wild?card -exclude',
];

describe('quoteJqlString / quoteCqlString', () => {
  it('escapes backslashes and quotes and replaces control characters', () => {
    expect(quoteJqlString('plain')).toBe('"plain"');
    expect(quoteJqlString('a"b')).toBe('"a\\"b"');
    expect(quoteJqlString('a\\b')).toBe('"a\\\\b"');
    expect(quoteJqlString('a\\"b')).toBe('"a\\\\\\"b"');
    expect(quoteJqlString('a\nb\rc\td\u0001e')).toBe('"a b c d e"');
    expect(quoteJqlString('')).toBe('""');
    expect(quoteJqlString("it's")).toBe('"it\'s"');
    expect(quoteJqlString('日本語 🎉')).toBe('"日本語 🎉"');
    expect(quoteJqlString('lone \uD800 surrogate')).toBe('"lone \uFFFD surrogate"');
  });

  it('uses the same rules for CQL', () => {
    for (const input of HOSTILE) expect(quoteCqlString(input)).toBe(quoteJqlString(input));
  });

  it('always yields exactly one string literal holding the input', () => {
    for (const input of HOSTILE) {
      expect(lex(quoteJqlString(input)), JSON.stringify(input)).toEqual([str(expected(input))]);
    }
  });
});

describe('buildIssueSearchJql', () => {
  it('builds the expected query', () => {
    expect(buildIssueSearchJql({ text: 'login bug' })).toBe('text ~ "login bug" ORDER BY updated DESC');
    expect(buildIssueSearchJql({ text: 'login bug', project: 'ABC' })).toBe(
      'text ~ "login bug" AND project = "ABC" ORDER BY updated DESC',
    );
    expect(buildIssueSearchJql({ text: 'x', project: '' })).toBe('text ~ "x" ORDER BY updated DESC');
  });

  it('keeps its structure for hostile text', () => {
    for (const text of HOSTILE) {
      expect(lex(buildIssueSearchJql({ text })), JSON.stringify(text)).toEqual([
        w('text'),
        op('~'),
        str(expected(text)),
        w('ORDER'),
        w('BY'),
        w('updated'),
        w('DESC'),
      ]);
    }
  });

  it('keeps its structure for hostile text and project', () => {
    for (const text of HOSTILE) {
      for (const project of HOSTILE.filter((p) => p.trim() !== '')) {
        expect(lex(buildIssueSearchJql({ text, project })), JSON.stringify([text, project])).toEqual([
          w('text'),
          op('~'),
          str(expected(text)),
          w('AND'),
          w('project'),
          op('='),
          str(expected(project)),
          w('ORDER'),
          w('BY'),
          w('updated'),
          w('DESC'),
        ]);
      }
    }
  });
});

describe('buildContentSearchCql', () => {
  it('builds the expected query', () => {
    expect(buildContentSearchCql({ text: 'runbook' })).toBe('text ~ "runbook"');
    expect(buildContentSearchCql({ text: 'runbook', space: 'OPS' })).toBe('text ~ "runbook" AND space = "OPS"');
  });

  it('keeps its structure for hostile text and space', () => {
    for (const text of HOSTILE) {
      expect(lex(buildContentSearchCql({ text })), JSON.stringify(text)).toEqual([
        w('text'),
        op('~'),
        str(expected(text)),
      ]);
      for (const space of HOSTILE.filter((p) => p.trim() !== '')) {
        expect(lex(buildContentSearchCql({ text, space })), JSON.stringify([text, space])).toEqual([
          w('text'),
          op('~'),
          str(expected(text)),
          w('AND'),
          w('space'),
          op('='),
          str(expected(space)),
        ]);
      }
    }
  });
});

describe('the test lexer itself', () => {
  it('detects injected structure in a naively built query', () => {
    const naive = `text ~ "${'foo" OR project = X'}" ORDER BY updated DESC`;
    expect(lex(naive)).not.toEqual([
      w('text'),
      op('~'),
      str('foo" OR project = X'),
      w('ORDER'),
      w('BY'),
      w('updated'),
      w('DESC'),
    ]);
    expect(lex('"a\nb"')[0]?.kind).toBe('error');
    expect(lex('"unterminated')[0]?.kind).toBe('error');
  });
});
