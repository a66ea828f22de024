import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createCsvWriter, type OutputDialect } from '../../src/output/csv-writer.js';
import { encodeWindows1252 } from '../../src/output/encoding.js';
import { tempDir } from './helpers.js';

async function writeFile(dialect: OutputDialect, rows: string[][], header = ['name', 'amount']): Promise<Buffer> {
  const path = join(tempDir(), 'out.csv');
  const w = createCsvWriter(path, dialect, { header });
  for (const r of rows) await w.write(r);
  await w.commit();
  return readFileSync(path);
}

describe('writing in the input dialect', () => {
  it('German Excel: semicolons, CRLF, UTF-8 with BOM — byte for byte', async () => {
    const bytes = await writeFile({ delimiter: ';', lineEnding: '\r\n', bom: true, encoding: 'utf-8' }, [
      ['Müller; Hans', '12,50'],
      ['say "hi"', 'two\nlines'],
    ]);
    const expected = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('name;amount\r\n"Müller; Hans";12,50\r\n"say ""hi""";"two\nlines"\r\n', 'utf8'),
    ]);
    expect(bytes.equals(expected)).toBe(true);
  });

  it('a comma inside a cell is only quoted when the delimiter is a comma', async () => {
    const semi = await writeFile({ delimiter: ';', lineEnding: '\n', bom: false, encoding: 'utf-8' }, [['a,b', '1']]);
    expect(semi.toString('utf8')).toBe('name;amount\na,b;1\n');
    const comma = await writeFile({ delimiter: ',', lineEnding: '\n', bom: false, encoding: 'utf-8' }, [['a;b', '1,5']]);
    expect(comma.toString('utf8')).toBe('name,amount\na;b,"1,5"\n');
  });

  it('UTF-8 without BOM when the input had none', async () => {
    const bytes = await writeFile({ delimiter: ',', lineEnding: '\n', bom: false, encoding: 'utf-8' }, [['é', '1']]);
    expect(bytes[0]).toBe(0x6e); // 'n' of name
    expect(bytes.toString('utf8')).toBe('name,amount\né,1\n');
  });

  it("UTF-16LE with a BOM and tabs, as Excel's Unicode Text", async () => {
    const bytes = await writeFile({ delimiter: '\t', lineEnding: '\r\n', bom: true, encoding: 'utf-16le' }, [['Zoë €', '3']]);
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0xfe, 0x6e, 0x00]);
    expect(new TextDecoder('utf-16le').decode(bytes.subarray(2))).toBe('name\tamount\r\nZoë €\t3\r\n');
    expect(bytes.length).toBe(2 + 2 * 'name\tamount\r\nZoë €\t3\r\n'.length);
  });

  it('UTF-16BE with its BOM', async () => {
    const bytes = await writeFile({ delimiter: ',', lineEnding: '\n', bom: true, encoding: 'utf-16be' }, [['ß', '1']]);
    expect([...bytes.subarray(0, 4)]).toEqual([0xfe, 0xff, 0x00, 0x6e]);
    expect(new TextDecoder('utf-16be').decode(bytes.subarray(2))).toBe('name,amount\nß,1\n');
  });

  it('UTF-16 gets a BOM even when none was reported', async () => {
    const bytes = await writeFile({ delimiter: ',', lineEnding: '\n', bom: false, encoding: 'utf-16le' }, []);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
  });

  it('Windows-1252: Latin-1 bytes, the 0x80–0x9F table, ? for what the code page lacks, no BOM', async () => {
    const bytes = await writeFile({ delimiter: ';', lineEnding: '\r\n', bom: false, encoding: 'windows-1252' }, [
      ['Müller €5 – “ok” …', 'Łódź 😀'],
    ]);
    const line = bytes.subarray('name;amount\r\n'.length);
    expect([...line]).toEqual([
      0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x20, 0x80, 0x35, 0x20, 0x96, 0x20, 0x93, 0x6f, 0x6b, 0x94, 0x20, 0x85,
      0x3b, 0x3f, 0xf3, 0x64, 0x3f, 0x20, 0x3f, 0x0d, 0x0a,
    ]);
  });

  it('Windows-1252 gives back every byte, whether the input was decoded per WHATWG or as Latin-1', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    // The WHATWG decoding of 0x80–0x9F (an independent copy of the standard's table).
    const high = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';
    expect(high.length).toBe(32);
    const whatwg = Array.from(all, (b) => (b >= 0x80 && b <= 0x9f ? high[b - 0x80]! : String.fromCharCode(b))).join('');
    expect([...encodeWindows1252(whatwg)]).toEqual([...all]);
    // Node 20.18.3+ TextDecoder('windows-1252') decodes as Latin-1 (nodejs/node#60888).
    const latin1 = Buffer.from(all).toString('latin1');
    expect([...encodeWindows1252(latin1)]).toEqual([...all]);
  });

  it("repeats Excel's sep= line when the input had one", async () => {
    const bytes = await writeFile({ delimiter: ';', lineEnding: '\r\n', bom: false, encoding: 'utf-8', sepLine: true }, [['a', '1']]);
    expect(bytes.toString('utf8')).toBe('sep=;\r\nname;amount\r\na;1\r\n');
  });

  it('an encoding payops cannot write (read with --encoding) comes out as UTF-8 with a BOM', async () => {
    const bytes = await writeFile({ delimiter: ',', lineEnding: '\n', bom: false, encoding: 'iso-8859-2' }, [['Łódź', '1']]);
    expect(bytes.toString('utf8')).toBe('\uFEFFname,amount\nŁódź,1\n');
  });

  it('what is written reads back cell for cell', async () => {
    const rows = [
      ['plain', 'x'],
      ['with;semicolon', 'with "quotes"'],
      ['multi\r\nline', ''],
      ['trailing space ', ' leading'],
    ];
    const bytes = await writeFile({ delimiter: ';', lineEnding: '\r\n', bom: true, encoding: 'utf-8' }, rows);
    const back = parse(bytes.toString('utf8').replace(/^\uFEFF/, ''), { delimiter: ';' }) as string[][];
    expect(back).toEqual([['name', 'amount'], ...rows]);
  });
});
