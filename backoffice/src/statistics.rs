//! The statistics page (the « tableaux de suivi ») with its charts, each
//! table downloadable as CSV or ODS, and the export of a search's requests,
//! streamed.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use guichet_cases::casework::{self, export, Choices, Query};
use guichet_cases::statistics::{self, Statistics, Table};
use guichet_web::forms::{sealed, Field, Form, Section};
use guichet_web::sheet::{Cell, Format, Sheet};
use guichet_web::{charts, tx, AppError, Layout};
use serde::Serialize;

use crate::cases::{options, query_of};
use crate::desk::{Office, Section as Nav};

const TITLE: &str = "Statistiques";

fn form(q: &Query, choices: &Choices) -> Form {
    Form::search(
        "/backoffice/statistiques",
        "Afficher",
        vec![Section::plain(vec![
            Field::date("du", "Demandes envoyées à partir du", &q.du).optional(),
            Field::date("au", "Jusqu’au", &q.au).optional(),
            Field::select(
                "categorie",
                "Catégorie",
                options(
                    "Toutes",
                    &q.categorie,
                    choices
                        .categories
                        .iter()
                        .map(|(id, name)| (id.to_string(), name.clone())),
                ),
            )
            .optional(),
            Field::select(
                "teleservice",
                "Téléservice",
                options("Tous", &q.teleservice, choices.teleservices.iter().cloned()),
            )
            .optional(),
        ])],
    )
    .with_id("filtres")
}

/// The statistics' own query string (its four filters).
fn filters(q: &Query) -> String {
    Query {
        du: q.du.clone(),
        au: q.au.clone(),
        categorie: q.categorie.clone(),
        teleservice: q.teleservice.clone(),
        ..Query::default()
    }
    .to_url()
}

#[derive(Serialize)]
struct Shown {
    table: Table,
    chart: Option<String>,
}

#[derive(Serialize)]
struct Page {
    layout: Layout,
    form: Form,
    total: Option<i64>,
    tables: Vec<Shown>,
    filters: String,
}

fn chart_of(t: &Table) -> Vec<(String, i64)> {
    t.lines
        .iter()
        .map(|l| (l.labels.join(" — "), l.counts.last().copied().unwrap_or(0)))
        .collect()
}

pub(crate) async fn page(office: Office, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let query = query_of(&req);
    let q = query.clone();
    // The statistics' refusal (a bad filter) is shown in the page, not raised.
    let (desk, (choices, stats)) = office
        .report(move |t, desk| {
            let choices = casework::choices(t, desk)?;
            let stats = statistics::statistics(t, desk, &q);
            Ok((choices, stats))
        })
        .await?;
    let mut f = form(&query, &choices);
    let (status, stats) = match stats {
        Ok(s) => (StatusCode::OK, Some(s)),
        Err(e) => (f.refused(e.into())?, None),
    };
    let title = guichet_web::render::title(TITLE, stats.is_none());
    let layout = office.layout(&desk, &title, Nav::Statistics)?;
    let (total, tables) = match stats {
        None => (None, Vec::new()),
        Some(Statistics {
            total,
            by_state,
            by_month,
            by_quality,
            monthly,
        }) => (
            Some(total),
            vec![
                Shown {
                    chart: Some(charts::bars(
                        "graphique-etats",
                        by_state.caption,
                        &chart_of(&by_state),
                    )),
                    table: by_state,
                },
                Shown {
                    chart: (!monthly.is_empty()).then(|| {
                        charts::bars(
                            "graphique-mois",
                            "Demandes envoyées chaque mois, tous téléservices",
                            &monthly,
                        )
                    }),
                    table: by_month,
                },
                Shown {
                    chart: Some(charts::bars(
                        "graphique-qualite",
                        by_quality.caption,
                        &chart_of(&by_quality),
                    )),
                    table: by_quality,
                },
            ],
        ),
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(office.pages.render(
            "backoffice/statistics",
            &Page {
                layout,
                form: sealed(f),
                total,
                tables,
                filters: filters(&query),
            },
        )?))
}

/// `etats.csv` → the table and the format.
fn file_of(file: &str) -> Option<(String, Format)> {
    let (stem, ext) = file.rsplit_once('.')?;
    Some((stem.to_owned(), Format::parse(ext)?))
}

fn download(format: Format, name: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    r.content_type(format.content_type()).insert_header((
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}.{}\"", format.extension()),
    ));
    r
}

/// One table of the statistics, as CSV or ODS.
pub(crate) async fn table(
    office: Office,
    req: HttpRequest,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (key, format) = file_of(&file).ok_or(AppError::NotFound)?;
    let q = query_of(&req);
    let (_, stats) = office
        .report(move |t, desk| statistics::statistics(t, desk, &q))
        .await?;
    let table = stats.table(&key).ok_or(AppError::NotFound)?.clone();
    let mut bytes = Vec::new();
    let written = (|| {
        let mut sheet = Sheet::start(format, &mut bytes, table.caption)?;
        let mut head: Vec<Cell> = table.label_columns.iter().map(|c| (*c).into()).collect();
        head.extend(table.count_columns.iter().map(|c| c.as_str().into()));
        sheet.row(&head)?;
        for line in &table.lines {
            let mut cells: Vec<Cell> = line.labels.iter().map(|l| l.as_str().into()).collect();
            cells.extend(line.counts.iter().map(|n| Cell::Number(*n)));
            sheet.row(&cells)?;
        }
        sheet.finish()
    })();
    written.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(format, &format!("statistiques-{key}")).body(bytes))
}

/// The requests a search finds, every one of them, streamed as CSV or ODS.
pub(crate) async fn requests(
    office: Office,
    req: HttpRequest,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (stem, format) = file_of(&file).ok_or(AppError::NotFound)?;
    if stem != "demandes" {
        return Err(AppError::NotFound);
    }
    let q = query_of(&req);
    // Checked before the first byte: a bad search is refused as a page would.
    let (_, plan) = office
        .report(move |t, desk| export::plan(t, desk, &q))
        .await?;
    let body = tx::stream(
        &office.store,
        &office.agent,
        office.written.clone(),
        move |p| {
            let (db, body) = (&p.db, &mut p.body);
            let mut sheet = Sheet::start(format, body, "Demandes")?;
            let head: Vec<Cell> = plan.header().into_iter().map(Cell::Text).collect();
            sheet.row(&head)?;
            let mut after = None;
            loop {
                let (rows, next) = db
                    .read(|t| plan.page(t, after))
                    .map_err(std::io::Error::other)?;
                for (number, cells) in rows {
                    let mut line = vec![Cell::Number(number)];
                    line.extend(cells);
                    sheet.row(&line)?;
                }
                match next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            sheet.finish()
        },
    );
    Ok(download(format, "demandes").streaming(body))
}
