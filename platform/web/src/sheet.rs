//! Tables to download, written row by row to any sink (so that a million
//! rows stream in constant memory): CSV as French spreadsheets open it
//! (UTF-8 with its mark, `;` between cells), and OpenDocument spreadsheets
//! (ODS, a zip written as a stream). A cell that a spreadsheet would take
//! for a formula (`=`, `+`, `-`, `@` first) is written as text.

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::Compression;

/// The two formats offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ods,
}

impl Format {
    /// From a path's extension (`csv`, `ods`).
    pub fn parse(extension: &str) -> Option<Format> {
        match extension {
            "csv" => Some(Format::Csv),
            "ods" => Some(Format::Ods),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ods => "application/vnd.oasis.opendocument.spreadsheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ods => "ods",
        }
    }
}

pub use guichet_core::domain::sheet::Cell;

/// A sheet being written.
pub enum Sheet<W: Write> {
    Csv(W),
    Ods(Box<Zip<W>>),
}

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

impl<W: Write> Sheet<W> {
    /// Starts a sheet named `name` (ODS: the tab's name).
    pub fn start(format: Format, sink: W, name: &str) -> std::io::Result<Sheet<W>> {
        match format {
            Format::Csv => {
                let mut sink = sink;
                sink.write_all("\u{feff}".as_bytes())?;
                Ok(Sheet::Csv(sink))
            }
            Format::Ods => {
                let mut zip = Zip::new(sink);
                // The mimetype first, stored: how readers recognise the file.
                zip.stored(
                    "mimetype",
                    b"application/vnd.oasis.opendocument.spreadsheet",
                )?;
                zip.start("META-INF/manifest.xml")?;
                zip.write_all(MANIFEST.as_bytes())?;
                zip.start("content.xml")?;
                write!(
                    zip,
                    r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{}">"#,
                    xml(name)
                )?;
                Ok(Sheet::Ods(Box::new(zip)))
            }
        }
    }

    pub fn row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        match self {
            Sheet::Csv(w) => {
                let line: Vec<String> = cells
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => csv_cell(t),
                        other => other.plain(),
                    })
                    .collect();
                w.write_all(line.join(";").as_bytes())?;
                w.write_all(b"\r\n")
            }
            Sheet::Ods(zip) => {
                zip.write_all(b"<table:table-row>")?;
                for c in cells {
                    match c {
                        Cell::Number(n) => write!(
                            zip,
                            r#"<table:table-cell office:value-type="float" office:value="{n}"><text:p>{n}</text:p></table:table-cell>"#
                        )?,
                        Cell::Text(t) => write!(
                            zip,
                            r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                            xml(t)
                        )?,
                        Cell::Euros(_) => write!(
                            zip,
                            r#"<table:table-cell office:value-type="currency" office:currency="EUR" office:value="{}"><text:p>{} €</text:p></table:table-cell>"#,
                            c.plain().replace(',', "."),
                            c.plain()
                        )?,
                        Cell::At(t) => write!(
                            zip,
                            r#"<table:table-cell office:value-type="date" office:date-value="{}"><text:p>{}</text:p></table:table-cell>"#,
                            t.format("%Y-%m-%dT%H:%M:%S"),
                            t.format("%d/%m/%Y %H:%M")
                        )?,
                        Cell::Day(d) => write!(
                            zip,
                            r#"<table:table-cell office:value-type="date" office:date-value="{}"><text:p>{}</text:p></table:table-cell>"#,
                            d.format("%Y-%m-%d"),
                            d.format("%d/%m/%Y")
                        )?,
                    }
                }
                zip.write_all(b"</table:table-row>")
            }
        }
    }

    /// Ends the sheet; the sink has it all.
    pub fn finish(self) -> std::io::Result<()> {
        match self {
            Sheet::Csv(mut w) => w.flush(),
            Sheet::Ods(mut zip) => {
                zip.write_all(
                    b"</table:table></office:spreadsheet></office:body></office:document-content>",
                )?;
                zip.finish()
            }
        }
    }
}

fn csv_cell(t: &str) -> String {
    // A leading quote keeps a spreadsheet from running it as a formula.
    let t = if t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{t}")
    } else {
        t.to_owned()
    };
    if t.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t
    }
}

/// Text as XML character data, without the control characters XML forbids.
fn xml(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// A zip written front to back, never seeking: each entry's sizes and
/// checksum follow its data (a data descriptor), the directory comes last.
/// Entries up to 4 GiB (no ZIP64), which a sheet of a million rows is far from.
pub struct Zip<W: Write> {
    out: Counting<W>,
    entries: Vec<Entry>,
    current: Option<Current>,
}

struct Entry {
    name: String,
    offset: u32,
    crc: u32,
    compressed: u32,
    size: u32,
    deflated: bool,
}

struct Current {
    name: String,
    offset: u32,
    crc: crc32fast::Hasher,
    size: u64,
    encoder: DeflateEncoder<Vec<u8>>,
    compressed: u64,
}

struct Counting<W: Write> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn too_big() -> std::io::Error {
    std::io::Error::other("fichier zip de plus de 4 Go")
}

impl<W: Write> Zip<W> {
    pub fn new(inner: W) -> Zip<W> {
        Zip {
            out: Counting { inner, written: 0 },
            entries: Vec::new(),
            current: None,
        }
    }

    fn offset(&self) -> std::io::Result<u32> {
        u32::try_from(self.out.written).map_err(|_| too_big())
    }

    fn header(
        &mut self,
        name: &str,
        flags: u16,
        method: u16,
        crc: u32,
        sizes: (u32, u32),
    ) -> std::io::Result<()> {
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes());
        h.extend_from_slice(&(flags | 0x0800).to_le_bytes()); // UTF-8 names
        h.extend_from_slice(&method.to_le_bytes());
        h.extend_from_slice(&[0, 0, 0x21, 0]); // 1980-01-01 00:00
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&sizes.0.to_le_bytes());
        h.extend_from_slice(&sizes.1.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(name.as_bytes());
        self.out.write_all(&h)
    }

    /// A small entry, stored as is (the ODS mimetype must be).
    pub fn stored(&mut self, name: &str, data: &[u8]) -> std::io::Result<()> {
        self.end()?;
        let offset = self.offset()?;
        let crc = crc32fast::hash(data);
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        self.header(name, 0, 0, crc, (size, size))?;
        self.out.write_all(data)?;
        self.entries.push(Entry {
            name: name.to_owned(),
            offset,
            crc,
            compressed: size,
            size,
            deflated: false,
        });
        Ok(())
    }

    /// Starts a deflated entry; what is written next goes into it.
    pub fn start(&mut self, name: &str) -> std::io::Result<()> {
        self.end()?;
        let offset = self.offset()?;
        self.header(name, 0x0008, 8, 0, (0, 0))?;
        self.current = Some(Current {
            name: name.to_owned(),
            offset,
            crc: crc32fast::Hasher::new(),
            size: 0,
            encoder: DeflateEncoder::new(Vec::new(), Compression::fast()),
            compressed: 0,
        });
        Ok(())
    }

    fn drain(&mut self) -> std::io::Result<()> {
        if let Some(c) = &mut self.current {
            let bytes = std::mem::take(c.encoder.get_mut());
            c.compressed += bytes.len() as u64;
            self.out.write_all(&bytes)?;
        }
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        let Some(c) = self.current.take() else {
            return Ok(());
        };
        let rest = c.encoder.finish()?;
        let compressed = c.compressed + rest.len() as u64;
        self.out.write_all(&rest)?;
        let crc = c.crc.finalize();
        let compressed = u32::try_from(compressed).map_err(|_| too_big())?;
        let size = u32::try_from(c.size).map_err(|_| too_big())?;
        let mut d = Vec::with_capacity(16);
        d.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
        d.extend_from_slice(&crc.to_le_bytes());
        d.extend_from_slice(&compressed.to_le_bytes());
        d.extend_from_slice(&size.to_le_bytes());
        self.out.write_all(&d)?;
        self.entries.push(Entry {
            name: c.name,
            offset: c.offset,
            crc,
            compressed,
            size,
            deflated: true,
        });
        Ok(())
    }

    /// Ends the last entry and writes the directory.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.end()?;
        let start = self.offset()?;
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            let mut h = Vec::with_capacity(46 + e.name.len());
            h.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            h.extend_from_slice(&20u16.to_le_bytes());
            h.extend_from_slice(&20u16.to_le_bytes());
            let flags: u16 = if e.deflated { 0x0808 } else { 0x0800 };
            h.extend_from_slice(&flags.to_le_bytes());
            h.extend_from_slice(&(if e.deflated { 8u16 } else { 0 }).to_le_bytes());
            h.extend_from_slice(&[0, 0, 0x21, 0]);
            h.extend_from_slice(&e.crc.to_le_bytes());
            h.extend_from_slice(&e.compressed.to_le_bytes());
            h.extend_from_slice(&e.size.to_le_bytes());
            h.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            h.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
            h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            h.extend_from_slice(&e.offset.to_le_bytes());
            h.extend_from_slice(e.name.as_bytes());
            self.out.write_all(&h)?;
        }
        let size = self.offset()? - start;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0; 4]);
        end.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        end.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        end.extend_from_slice(&size.to_le_bytes());
        end.extend_from_slice(&start.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.out.write_all(&end)?;
        self.out.flush()
    }
}

impl<W: Write> Write for Zip<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let Some(c) = &mut self.current else {
            return Err(std::io::Error::other("aucune entrée commencée"));
        };
        c.crc.update(buf);
        c.size += buf.len() as u64;
        c.encoder.write_all(buf)?;
        if c.encoder.get_ref().len() >= 32 * 1024 {
            self.drain()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.drain()?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it_and_defuses_formulas() {
        let mut out = Vec::new();
        let mut s = Sheet::start(Format::Csv, &mut out, "x").unwrap();
        s.row(&["Numéro".into(), "Nom".into(), "Total".into()])
            .unwrap();
        s.row(&[
            Cell::Number(12),
            "Durand; « Zoé »\n\"la petite\"".into(),
            "=SOMME(A1:A2)".into(),
        ])
        .unwrap();
        s.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "\u{feff}Numéro;Nom;Total\r\n12;\"Durand; « Zoé »\n\"\"la petite\"\"\";'=SOMME(A1:A2)\r\n"
        );
    }

    #[test]
    fn ods_is_a_zip_with_its_mimetype_first() {
        let mut out = Vec::new();
        let mut s = Sheet::start(Format::Ods, &mut out, "Demandes <test>").unwrap();
        s.row(&["é & ç".into(), Cell::Number(3)]).unwrap();
        s.finish().unwrap();
        assert_eq!(&out[..2], b"PK");
        assert_eq!(
            &out[30..30 + 8 + 46],
            b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
        );
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(out)).unwrap();
        let mut content = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("content.xml").unwrap(), &mut content)
            .unwrap();
        assert!(content.contains(r#"table:name="Demandes &lt;test&gt;""#));
        assert!(content.contains("<text:p>é &amp; ç</text:p>"));
        assert!(content.contains(r#"office:value="3""#));
    }
}
