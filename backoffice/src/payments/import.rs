//! Invoices imported from the billing software: a CSV file read whole,
//! each line checked, all stored or none.

use super::*;

pub(super) fn import_form(regie: i64, csrf_token: String) -> Form {
    Form::new(
        &format!("/backoffice/regies/{regie}/import"),
        csrf_token,
        "Importer les factures",
        vec![Section::plain(vec![Field::file(
            "file",
            "Fichier CSV des factures",
            "text/csv,.csv",
            false,
        )
        .hint(&format!(
            "Une facture par ligne, colonnes séparées par des points-virgules : {IMPORT_COLUMNS} ; dates comme 30/11/2026. Une facture déjà importée est reconnue à sa référence."
        ))])],
    )
    .multipart()
    .with_id("import")
}

/// The largest CSV imported at once.
const IMPORT_LIMIT: usize = 2 * 1024 * 1024;

pub(crate) async fn import(
    office: Office,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    // Only administrators send anything here.
    office
        .read(move |t, desk| {
            desk::administrator(desk)?;
            regies::get(t, id).map(drop)
        })
        .await?;
    let refused = |e: AppError| -> Result<(StatusCode, Form), AppError> {
        let mut form = import_form(id, office.csrf()?);
        let status = match e {
            AppError::TooLarge(m) | AppError::BadRequest(m) => {
                form.field_errors(vec![guichet_core::error::FieldError::new("file", m)]);
                StatusCode::BAD_REQUEST
            }
            other => return Err(other),
        };
        Ok((status, form))
    };
    let received = match upload::receive_text(payload, &office.session, "file", IMPORT_LIMIT).await
    {
        Ok(f) => f,
        Err(e) => {
            let (status, form) = refused(e)?;
            let shown = Shown {
                import: Some(form),
                ..Shown::default()
            };
            return regie_page(&office, id, status, shown).await;
        }
    };
    let Some((_, text)) = received.texts.into_iter().next() else {
        let (status, form) = refused(AppError::BadRequest(
            "Choisissez le fichier CSV à importer.".into(),
        ))?;
        let shown = Shown {
            import: Some(form),
            ..Shown::default()
        };
        return regie_page(&office, id, status, shown).await;
    };
    let report = office
        .write(move |t, desk| {
            desk::administrator(desk)?;
            let actor = desk.name.as_str();
            billing::import(t, actor, id, &text)
        })
        .await?;
    let status = if report.refused.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let shown = Shown {
        report: Some(report),
        ..Shown::default()
    };
    regie_page(&office, id, status, shown).await
}
