//! PDF documents (receipts, certificates, courriers) with printpdf: A4
//! pages, an embedded font (DejaVu Sans, so that every French character
//! renders and the text can be copied), our own line wrapping, several pages
//! when needed, the page number at the foot of each, a logo at the top of
//! the first.
//!
//! printpdf writes no tagged PDF: every document made here also exists as an
//! accessible HTML page.

use std::sync::LazyLock;

use printpdf::{
    FontId, ImageCompression, ImageOptimizationOptions, Mm, Op, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, RawImage, TextItem, XObjectTransform,
};

const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
static REGULAR: LazyLock<ParsedFont> = LazyLock::new(|| parse(REGULAR_TTF));
static BOLD: LazyLock<ParsedFont> = LazyLock::new(|| parse(BOLD_TTF));

fn parse(bytes: &[u8]) -> ParsedFont {
    ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).expect("the vendored font parses")
}

/// The font cut down to the glyphs of `text` (and what they are made of),
/// with a Unicode cmap: a letter embeds some 20 kB of font instead of the
/// whole face's 700 kB. `None` if the cut fails (the whole face then goes).
fn subset(font: &ParsedFont, ttf: &[u8], text: &str) -> Option<ParsedFont> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{subset, CmapTarget, SubsetProfile};
    let mut ids: Vec<u16> = text
        .chars()
        .filter_map(|c| font.lookup_glyph_index(c as u32))
        .collect();
    ids.push(0);
    ids.sort_unstable();
    ids.dedup();
    let data = ReadScope::new(ttf).read::<FontData<'_>>().ok()?;
    let provider = data.table_provider(0).ok()?;
    let bytes = subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).ok()?;
    ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
}

/// What a document says, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's title (large, bold).
    Title(String),
    Heading(String),
    Paragraph(String),
    /// A label and its value (a request's field, a date…).
    Field {
        label: String,
        value: String,
    },
    /// A paragraph of a letter: its lines, each a row of bold or plain runs.
    Rich(Vec<Vec<Span>>),
    /// An item of a bulleted list.
    Bullet(Vec<Span>),
    /// Lines set on the page's right half (a letter's addressee, its date).
    Aside(Vec<String>),
    /// Some space.
    Gap,
}

pub use guichet_domain::courriers::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The PDF's title (shown by readers in the window's bar).
    pub title: String,
    /// Lines at the top of the first page (the collectivité's name, address).
    pub letterhead: Vec<String>,
    /// A PNG or JPEG drawn above them (the collectivité's letters' logo).
    pub logo: Option<Vec<u8>>,
    pub blocks: Vec<Block>,
}

/// The box a logo is fitted in, keeping its proportions (mm).
const LOGO_W: f32 = 50.0;
const LOGO_H: f32 = 22.0;
/// A logo larger than this (pixels) is not decoded: a small file may
/// describe a huge image.
const LOGO_MAX_PIXELS: u64 = 25_000_000;

/// The logo's pixels, or why it is not drawn.
fn decode(bytes: &[u8]) -> Result<RawImage, String> {
    let (w, h) = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .into_dimensions()
        .map_err(|e| e.to_string())?;
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > LOGO_MAX_PIXELS {
        return Err(format!("{w} × {h} pixels"));
    }
    RawImage::decode_from_bytes(bytes, &mut Vec::new())
}

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 20.0;
const BOTTOM: f32 = 22.0;
const TEXT: f32 = 10.5;
const PT_TO_MM: f32 = 25.4 / 72.0;
/// Where a letter's right-hand blocks start, from the left margin (mm).
const ASIDE: f32 = 85.0;

struct Style {
    bold: bool,
    size: f32,
    indent: f32,
    space_before: f32,
}

impl Document {
    pub fn new(title: impl Into<String>) -> Document {
        Document {
            title: title.into(),
            letterhead: Vec::new(),
            logo: None,
            blocks: Vec::new(),
        }
    }

    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// The PDF's bytes.
    pub fn render(&self) -> Vec<u8> {
        // Images kept lossless (deflated): a logo's flat colours and
        // lettering compress well so, and printpdf's JPEG pass would blur them.
        self.render_with(&PdfSaveOptions {
            image_optimization: Some(ImageOptimizationOptions {
                format: Some(ImageCompression::Flate),
                ..ImageOptimizationOptions::default()
            }),
            ..PdfSaveOptions::default()
        })
    }

    fn render_with(&self, options: &PdfSaveOptions) -> Vec<u8> {
        let mut doc = PdfDocument::new(&self.title);
        let (plain_text, bold_text) = self.text();
        let regular = match subset(&REGULAR, REGULAR_TTF, &plain_text) {
            Some(f) => doc.add_font(&f),
            None => doc.add_font(&REGULAR),
        };
        let bold = match subset(&BOLD, BOLD_TTF, &bold_text) {
            Some(f) => doc.add_font(&f),
            None => doc.add_font(&BOLD),
        };
        let mut layout = Layout::new(regular, bold);
        // The logo, fitted in its box at the top left; a logo that cannot
        // be read leaves the letter without it rather than unsent.
        match self.logo.as_deref().map(decode) {
            Some(Ok(image)) => {
                let (w, h) = (image.width as f32, image.height as f32);
                let drawn_h = LOGO_H.min(LOGO_W * h / w);
                let dpi = h * 25.4 / drawn_h;
                let id = doc.add_image(&image);
                layout.ops.push(Op::UseXobject {
                    id,
                    transform: XObjectTransform {
                        translate_x: Some(Mm(MARGIN).into()),
                        translate_y: Some(Mm(layout.y - drawn_h).into()),
                        dpi: Some(dpi),
                        ..XObjectTransform::default()
                    },
                });
                layout.y -= drawn_h + 4.0;
            }
            Some(Err(e)) => tracing::warn!(error = %e, "logo illisible : document sans logo"),
            None => {}
        }
        for line in &self.letterhead {
            layout.write(line, &plain(9.0));
        }
        if !self.letterhead.is_empty() {
            layout.y -= 6.0;
        }
        for block in &self.blocks {
            match block {
                Block::Title(t) => layout.write(
                    t,
                    &Style {
                        bold: true,
                        size: 16.0,
                        indent: 0.0,
                        space_before: 4.0,
                    },
                ),
                Block::Heading(t) => layout.write(
                    t,
                    &Style {
                        bold: true,
                        size: 12.0,
                        indent: 0.0,
                        space_before: 5.0,
                    },
                ),
                Block::Paragraph(t) => {
                    for para in t.split('\n') {
                        layout.write(
                            para,
                            &Style {
                                space_before: 2.0,
                                ..plain(TEXT)
                            },
                        );
                    }
                }
                Block::Field { label, value } => {
                    layout.write(
                        label,
                        &Style {
                            bold: true,
                            size: TEXT - 1.0,
                            indent: 0.0,
                            space_before: 2.0,
                        },
                    );
                    let value = if value.is_empty() { "—" } else { value };
                    for line in value.split('\n') {
                        layout.write(
                            line,
                            &Style {
                                indent: 5.0,
                                ..plain(TEXT)
                            },
                        );
                    }
                }
                Block::Rich(lines) => {
                    layout.y -= 2.0;
                    for line in lines {
                        layout.write_spans(line, 0.0, None);
                    }
                }
                Block::Bullet(spans) => {
                    layout.y -= 1.0;
                    layout.write_spans(spans, 6.0, Some("•"));
                }
                Block::Aside(lines) => {
                    layout.y -= 2.0;
                    for line in lines {
                        layout.write(
                            line,
                            &Style {
                                indent: ASIDE,
                                ..plain(TEXT)
                            },
                        );
                    }
                }
                Block::Gap => layout.y -= 5.0,
            }
        }
        let pages = layout.finish();
        let total = pages.len();
        let pages: Vec<PdfPage> = pages
            .into_iter()
            .enumerate()
            .map(|(i, mut ops)| {
                ops.extend(text_ops(
                    &regular_handle(&layout.regular),
                    8.0,
                    MARGIN,
                    12.0,
                    &format!("{} — page {} sur {}", self.title, i + 1, total),
                ));
                PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)
            })
            .collect();
        doc.with_pages(pages).save(options, &mut Vec::new())
    }
}

impl Document {
    /// Every character the document sets, in the regular and in the bold face.
    fn text(&self) -> (String, String) {
        let mut regular = String::from(" •—0123456789pagesur");
        regular.push_str(&self.title);
        let mut bold = String::from(" ");
        for line in &self.letterhead {
            regular.push_str(line);
        }
        for block in &self.blocks {
            match block {
                Block::Title(t) | Block::Heading(t) => bold.push_str(t),
                Block::Paragraph(t) => regular.push_str(t),
                Block::Field { label, value } => {
                    bold.push_str(label);
                    regular.push_str(value);
                }
                Block::Rich(lines) => {
                    for span in lines.iter().flatten() {
                        if span.bold {
                            bold.push_str(&span.text);
                        } else {
                            regular.push_str(&span.text);
                        }
                    }
                }
                Block::Bullet(spans) => {
                    for span in spans {
                        if span.bold {
                            bold.push_str(&span.text);
                        } else {
                            regular.push_str(&span.text);
                        }
                    }
                }
                Block::Aside(lines) => lines.iter().for_each(|l| regular.push_str(l)),
                Block::Gap => {}
            }
        }
        (regular, bold)
    }
}

fn plain(size: f32) -> Style {
    Style {
        bold: false,
        size,
        indent: 0.0,
        space_before: 0.0,
    }
}

fn regular_handle(id: &FontId) -> PdfFontHandle {
    PdfFontHandle::External(id.clone())
}

fn text_ops(font: &PdfFontHandle, size: f32, x: f32, y: f32, text: &str) -> Vec<Op> {
    vec![
        Op::StartTextSection,
        Op::SetTextCursor {
            pos: Point {
                x: Mm(x).into(),
                y: Mm(y).into(),
            },
        },
        Op::SetFont {
            font: font.clone(),
            size: Pt(size),
        },
        Op::ShowText {
            items: vec![TextItem::Text(text.to_owned())],
        },
        Op::EndTextSection,
    ]
}

/// Lines placed from the top down, a new page when the foot is reached.
struct Layout {
    regular: FontId,
    bold: FontId,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
}

impl Layout {
    fn new(regular: FontId, bold: FontId) -> Layout {
        Layout {
            regular,
            bold,
            pages: Vec::new(),
            ops: Vec::new(),
            y: PAGE_H - MARGIN,
        }
    }

    fn write(&mut self, text: &str, style: &Style) {
        let font: &ParsedFont = if style.bold { &BOLD } else { &REGULAR };
        let width = PAGE_W - 2.0 * MARGIN - style.indent;
        let line_height = style.size * 1.35 * PT_TO_MM;
        self.y -= style.space_before;
        for line in wrap(font, style.size, width, text) {
            if self.y - line_height < BOTTOM {
                self.pages.push(std::mem::take(&mut self.ops));
                self.y = PAGE_H - MARGIN;
            }
            self.y -= line_height;
            let handle = PdfFontHandle::External(if style.bold {
                self.bold.clone()
            } else {
                self.regular.clone()
            });
            self.ops.extend(text_ops(
                &handle,
                style.size,
                MARGIN + style.indent,
                self.y,
                &line,
            ));
        }
    }

    /// Runs of bold and plain text wrapped together, word by word; a bullet
    /// hangs in the indent of the first line.
    fn write_spans(&mut self, spans: &[Span], indent: f32, bullet: Option<&str>) {
        let size = TEXT;
        let width = PAGE_W - 2.0 * MARGIN - indent;
        let line_height = size * 1.35 * PT_TO_MM;
        // Words with their style; a run's leading or trailing space parts words.
        let mut words: Vec<(String, bool, bool)> = Vec::new(); // text, bold, glued to previous
        let mut glue = false;
        for span in spans {
            for (i, word) in span.text.split(' ').enumerate() {
                if i > 0 {
                    glue = false;
                }
                if word.is_empty() {
                    continue;
                }
                words.push((word.to_owned(), span.bold, glue));
                glue = true;
            }
        }
        // Lines: each a list of (x offset, text, bold).
        let mut lines: Vec<Vec<(f32, String, bool)>> = vec![Vec::new()];
        let mut x = 0.0;
        for (word, bold, glued) in words {
            let font: &ParsedFont = if bold { &BOLD } else { &REGULAR };
            let w = text_width(font, size, &word);
            let gap = if glued || x == 0.0 {
                0.0
            } else {
                text_width(font, size, " ")
            };
            if x > 0.0 && x + gap + w > width && !glued {
                lines.push(Vec::new());
                x = 0.0;
            }
            let line = lines.last_mut().expect("one line at least");
            let gap = if x == 0.0 { 0.0 } else { gap };
            if w > width {
                // A word wider than the line (a long link): cut it.
                for piece in wrap(font, size, width, &word) {
                    lines.push(vec![(0.0, piece, bold)]);
                }
                x = width;
                continue;
            }
            // Words of one style go out as one text, spaces included, so
            // that the text copied from the PDF is the text written.
            match line.last_mut() {
                Some((_, text, b)) if *b == bold => {
                    if gap > 0.0 {
                        text.push(' ');
                    }
                    text.push_str(&word);
                }
                _ => line.push((x + gap, word, bold)),
            }
            x += gap + w;
        }
        for (n, line) in lines.into_iter().enumerate() {
            if self.y - line_height < BOTTOM {
                self.pages.push(std::mem::take(&mut self.ops));
                self.y = PAGE_H - MARGIN;
            }
            self.y -= line_height;
            let mut line = line;
            if n == 0 {
                if let Some(mark) = bullet {
                    // The bullet hangs in the indent, in the first run's
                    // text, so that text extraction reads one line.
                    let mark = format!("{mark} ");
                    let shift = text_width(&REGULAR, size, &mark);
                    match line.first_mut() {
                        Some((dx, text, false)) if *dx == 0.0 => {
                            *dx = -shift;
                            text.insert_str(0, &mark);
                        }
                        _ => line.insert(0, (-shift, mark, false)),
                    }
                }
            }
            for (dx, text, bold) in line {
                let handle = PdfFontHandle::External(if bold {
                    self.bold.clone()
                } else {
                    self.regular.clone()
                });
                self.ops
                    .extend(text_ops(&handle, size, MARGIN + indent + dx, self.y, &text));
            }
        }
    }

    fn finish(&mut self) -> Vec<Vec<Op>> {
        let mut pages = std::mem::take(&mut self.pages);
        pages.push(std::mem::take(&mut self.ops));
        pages
    }
}

/// The width of `text` in millimetres.
fn text_width(font: &ParsedFont, size: f32, text: &str) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| {
            font.lookup_glyph_index(c as u32)
                .and_then(|g| font.get_glyph_width(g))
                .unwrap_or(font.units_per_em / 2) as u32
        })
        .sum();
    units as f32 * size / f32::from(font.units_per_em) * PT_TO_MM
}

/// Breaks `text` into lines no wider than `width` mm: at spaces, and inside
/// a word only when the word alone is too wide.
fn wrap(font: &ParsedFont, size: f32, width: f32, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if text_width(font, size, &candidate) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the line (a long link): cut it.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if text_width(font, size, &piece) > width {
                piece.pop();
                lines.push(std::mem::replace(&mut piece, c.to_string()));
            }
        }
        line = piece;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        let lines = wrap(
            &REGULAR,
            10.0,
            40.0,
            "Inscription à la restauration scolaire de l’école des Tilleuls",
        );
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(&REGULAR, 10.0, l) <= 40.0));
        assert_eq!(
            lines.join(" "),
            "Inscription à la restauration scolaire de l’école des Tilleuls"
        );
        let long = "x".repeat(200);
        let lines = wrap(&REGULAR, 10.0, 40.0, &long);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), long);
        assert_eq!(wrap(&REGULAR, 10.0, 40.0, ""), vec![String::new()]);
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut img = image::RgbImage::new(w, h);
        for (x, _, p) in img.enumerate_pixels_mut() {
            *p = image::Rgb([if x < w / 2 { 200 } else { 20 }, 30, 90]);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_logo_is_drawn_above_the_letterhead_and_a_bad_one_is_left_out() {
        let mut doc = Document::new("Courrier");
        doc.letterhead = vec!["Mairie d’Arles".into()];
        doc.push(Block::Paragraph("Bonjour.".into()));
        let plain = doc.render();
        doc.logo = Some(png(400, 100));
        let with_logo = doc.render();
        let text = String::from_utf8_lossy(&with_logo);
        assert!(text.contains("/Image"), "the logo is an image of the PDF");
        assert!(!String::from_utf8_lossy(&plain).contains("/Image"));
        // Not an image, or one too large to decode: the document goes without it.
        for bad in [b"not an image".to_vec(), {
            // A PNG header announcing 100 000 × 100 000 pixels.
            let mut big = png(1, 1);
            big[16..20].copy_from_slice(&100_000u32.to_be_bytes());
            big[20..24].copy_from_slice(&100_000u32.to_be_bytes());
            big
        }] {
            doc.logo = Some(bad);
            let out = doc.render();
            assert!(!String::from_utf8_lossy(&out).contains("/Image"));
            assert!(out.starts_with(b"%PDF"));
        }
    }

    #[test]
    fn long_documents_take_several_pages() {
        let mut doc = Document::new("Reçu");
        for i in 0..120 {
            doc.push(Block::Field {
                label: format!("Champ n° {i}"),
                value: "Valeur accentuée : é è à ç œ « »".into(),
            });
        }
        assert!(doc.render().starts_with(b"%PDF"));
        assert!(layout_pages(&doc) >= 3);
    }

    /// Text extraction (poppler's pdftotext) reads a narrow no-break space
    /// as a space; the PDF itself maps its glyph to U+202F, so that readers
    /// that keep it copy it as written.
    #[test]
    fn the_narrow_no_break_space_is_kept_in_the_text_layer() {
        let mut doc = Document::new("Espaces");
        doc.push(Block::Rich(vec![vec![Span {
            text: "Montant\u{202f}: 12\u{a0}€ ; « é è à ç œ »".into(),
            bold: true,
        }]]));
        let bytes = doc.render_with(&PdfSaveOptions {
            optimize: false,
            ..PdfSaveOptions::default()
        });
        let text = String::from_utf8_lossy(&bytes);
        for unicode in ["<202F>", "<00A0>", "<20AC>", "<0153>", "<00AB>"] {
            assert!(text.contains(unicode), "{unicode} mapped in the text layer");
        }
    }

    fn layout_pages(doc: &Document) -> usize {
        let mut l = Layout::new(FontId::new(), FontId::new());
        for b in &doc.blocks {
            if let Block::Field { label, value } = b {
                l.write(label, &plain(TEXT));
                l.write(value, &plain(TEXT));
            }
        }
        l.finish().len()
    }
}
