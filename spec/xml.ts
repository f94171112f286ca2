// A small, strict XML 1.0 reader for tests: well-formedness only (no DTDs,
// no namespaces checks), enough to be sure a JUnit report is XML that any
// CI parser accepts. Throws on the first problem, saying where.

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (m: string): never => {
    throw new Error(`not well-formed XML: ${m} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  for (let k = 0; k < src.length; k++) {
    const c = src.codePointAt(k)!;
    if (!isXmlChar(c)) { i = k; fail(`character U+${c.toString(16).padStart(4, '0')} is not allowed in XML`); }
    if (c > 0xffff) k++;
  }
  const ws = () => { while (i < src.length && ' \t\r\n'.includes(src[i]!)) i++; };
  const name = (): string => {
    const m = /^[A-Za-z_:][-A-Za-z0-9_:.]*/.exec(src.slice(i, i + 200));
    if (!m) return fail('a name was expected');
    i += m[0].length;
    return m[0];
  };
  const decode = (raw: string): string => raw.replace(/&([^;&\s]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) return fail('`&` that does not start a reference');
    if (ref.startsWith('#')) {
      const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      if (!/^#(x[0-9A-Fa-f]+|[0-9]+)$/.test(ref) || !isXmlChar(code)) return fail(`bad character reference &${ref};`);
      return String.fromCodePoint(code);
    }
    return ENTITIES[ref] ?? fail(`unknown entity &${ref};`);
  });
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    if (!/^<\?xml\s+version="1\.[0-9]"(\s+encoding="[A-Za-z][A-Za-z0-9._-]*")?(\s+standalone="(yes|no)")?\s*\?>$/.test(src.slice(0, end + 2))) fail('malformed XML declaration');
    i = end + 2;
  }
  const misc = () => {
    for (;;) {
      ws();
      if (!src.startsWith('<!--', i)) return;
      const end = src.indexOf('-->', i + 4);
      if (end < 0 || src.slice(i + 4, end).includes('--')) fail('malformed comment');
      i = end + 3;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('`<` was expected');
    i++;
    const tag = name();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith('/>', i)) { i += 2; return { name: tag, attrs, children: [], text: '' }; }
      if (src[i] === '>') { i++; break; }
      if (i === before) fail('white space was expected before an attribute');
      const a = name();
      ws();
      if (src[i] !== '=') fail('`=` was expected');
      i++;
      ws();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('a quoted attribute value was expected');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = src.slice(i + 1, end);
      if (raw.includes('<')) fail('`<` inside an attribute value');
      if (Object.hasOwn(attrs, a)) fail(`attribute ${a} is repeated`);
      attrs[a] = decode(raw);
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (i >= src.length) fail(`<${tag}> is never closed`);
      if (src.startsWith('</', i)) {
        i += 2;
        const close = name();
        if (close !== tag) fail(`</${close}> closes <${tag}>`);
        ws();
        if (src[i] !== '>') fail('`>` was expected');
        i++;
        return { name: tag, attrs, children, text };
      }
      if (src.startsWith('<!--', i)) { misc(); continue; }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        text += src.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      if (src[i] === '<') { children.push(element()); continue; }
      const next = src.indexOf('<', i);
      const raw = src.slice(i, next < 0 ? src.length : next);
      if (raw.includes(']]>')) fail('`]]>` in text');
      text += decode(raw);
      i = next < 0 ? src.length : next;
    }
  };
  misc();
  const root = element();
  misc();
  if (i !== src.length) fail('content after the root element');
  return root;
}
