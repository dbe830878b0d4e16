//! The files kit (`guichet_core::files`, `web::upload`) behind a small app
//! made of the platform's own pieces (tenant gate, sessions, CSRF, error
//! pages): the same tests on the local filesystem and on a real S3-compatible
//! server (moto), and the database on both backends. Types are checked by
//! content, sizes by route, another collectivité's files are out of reach,
//! nothing half-stored, and an unreachable store is a clear error that goes
//! away when the store comes back.

use actix_session::Session;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, Key};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use guichet_core::files::{self, FileKind, FileStore, Limits};
use guichet_core::store::Store;
use guichet_tests::client::{multipart, Part};
use guichet_tests::{create_tenant, Backend, S3Server, TestDb};
use guichet_web::session::{self, DbSessionStore, Plane};
use guichet_web::tenant::{self, CurrentTenant, TenantCache};
use guichet_web::upload;
use guichet_web::{csrf, error, AppError, Renderer};
use sha2::{Digest, Sha256};

/// This route's limits: small, to test them without large bodies.
const LIMITS: Limits = Limits {
    max_bytes: 64 * 1024,
    kinds: &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
    max_files: 3,
    max_total: 100 * 1024,
};

async fn form(session: Session) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().body(csrf::token(&session)?))
}

async fn send(
    tenant: CurrentTenant,
    session: Session,
    store: web::Data<Store>,
    files: web::Data<FileStore>,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    let form = upload::receive(
        payload,
        &session,
        &files,
        tenant.id,
        upload::Accept::new("pieces", &LIMITS),
    )
    .await?;
    let s = store.into_inner();
    let id = tenant.id;
    let received = form.files.clone();
    let recorded = guichet_web::blocking(move || {
        Ok(s.write(id, |tx| {
            received
                .iter()
                .map(|f| files::record(tx, &f.stored, &f.filename))
                .collect::<Result<Vec<i64>, _>>()
        })?)
    })
    .await;
    match recorded {
        Ok(ids) => Ok(HttpResponse::Ok().json(serde_json::json!({
            "ids": ids,
            "note": form.fields.get("note"),
            "sha256": form.files.iter().map(|f| f.stored.sha256.clone()).collect::<Vec<_>>(),
        }))),
        Err(e) => {
            // The rows failed: the objects go too.
            for f in &form.files {
                let _ = files.delete(&f.stored.key).await;
            }
            Err(e)
        }
    }
}

async fn fetch(
    tenant: CurrentTenant,
    store: web::Data<Store>,
    files: web::Data<FileStore>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (s, t, id) = (store.into_inner(), tenant.id, id.into_inner());
    let record = guichet_web::blocking(move || Ok(s.read(t, |tx| files::get(tx, id))?))
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = FileKind::of(&record).ok_or(AppError::NotFound)?;
    upload::download(&files, &record.key, &record.filename, kind).await
}

struct Setup {
    _db: TestDb,
    store: Store,
    files: FileStore,
    key: Key,
}

fn setup(backend: Backend, s3: Option<&S3Server>) -> Setup {
    let db = TestDb::new(backend);
    let store = db.store();
    create_tenant(&store, "a", "Commune A", &[]);
    create_tenant(&store, "b", "Commune B", &[]);
    let dir = std::env::temp_dir().join(format!("guichet-files-{}", rand::random::<u64>()));
    let files = FileStore::open(s3.map(S3Server::url).as_ref(), &dir).unwrap();
    Setup {
        _db: db,
        store,
        files,
        key: Key::generate(),
    }
}

macro_rules! app {
    ($s:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($s.store.clone()))
                .app_data(web::Data::new($s.files.clone()))
                .app_data(web::Data::new(TenantCache::default()))
                .app_data(web::Data::new(Renderer::new()))
                .wrap(from_fn(error::render_errors))
                .service(
                    web::scope("")
                        .wrap(session::middleware(
                            DbSessionStore::new(
                                $s.store.clone(),
                                Plane::Portal,
                                std::time::Duration::from_secs(1800),
                                std::time::Duration::from_secs(3600),
                            ),
                            &$s.key,
                            false,
                        ))
                        .wrap(from_fn(tenant::gate))
                        .route("/formulaire", web::get().to(form))
                        .route("/envoi", web::post().to(send))
                        .route("/fichiers/{id}", web::get().to(fetch)),
                ),
        )
        .await
    };
}

/// A visitor of one collectivité: its session cookie and CSRF token.
struct Visitor {
    host: &'static str,
    cookie: Cookie<'static>,
    token: String,
}

async fn visitor<S, B>(app: &S, host: &'static str) -> Visitor
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(
        app,
        TestRequest::get()
            .uri("/formulaire")
            .insert_header((header::HOST, host))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .response()
        .cookies()
        .next()
        .expect("session cookie")
        .into_owned();
    let token = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    Visitor {
        host,
        cookie,
        token,
    }
}

async fn post<S, B>(app: &S, v: &Visitor, parts: &[Part<'_>]) -> (StatusCode, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (content_type, body) = multipart(parts);
    let res = test::call_service(
        app,
        TestRequest::post()
            .uri("/envoi")
            .insert_header((header::HOST, v.host))
            .insert_header((header::CONTENT_TYPE, content_type))
            .cookie(v.cookie.clone())
            .set_payload(body)
            .to_request(),
    )
    .await;
    let status = res.status();
    (
        status,
        String::from_utf8_lossy(&test::read_body(res).await).into_owned(),
    )
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n% Justificatif de domicile\n".to_vec();
    while bytes.len() < size {
        bytes.extend_from_slice(b"0 0 obj << /Type /Page >> endobj\n");
    }
    bytes.truncate(size.max(40));
    bytes
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn scenario(backend: Backend, s3: Option<&S3Server>) {
    let label = if s3.is_some() { "S3" } else { "fichiers" };
    let s = setup(backend, s3);
    let app = app!(s);
    let a = visitor(&app, "a.localhost").await;

    // A PDF and a PNG, with the token first: stored, digests kept.
    let doc = pdf(20_000);
    let (status, body) = post(
        &app,
        &a,
        &[
            Part::Text("csrf_token", &a.token),
            Part::Text("note", "avis d’imposition"),
            Part::File("pieces", "avis d’impôt 2026.pdf", "application/pdf", &doc),
            Part::File("pieces", "photo.png", "image/png", PNG),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{label} {backend:?}: {body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["note"], "avis d’imposition");
    let digest: String = Sha256::digest(&doc)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(answer["sha256"][0], digest);
    let pdf_id = answer["ids"][0].as_i64().unwrap();
    assert_eq!(s.files.keys().await.unwrap().len(), 2, "{label}");

    // Downloaded whole, as an attachment that no browser renders as a page.
    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri(&format!("/fichiers/{pdf_id}"))
            .insert_header((header::HOST, "a.localhost"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h.get(header::CONTENT_TYPE).unwrap(), "application/pdf");
    let disposition = h
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("UTF-8''avis%20d%E2%80%99imp%C3%B4t%202026.pdf"),
        "{disposition}"
    );
    assert!(h
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    assert_eq!(test::read_body(res).await.to_vec(), doc);

    // B's host: A's file does not exist there.
    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri(&format!("/fichiers/{pdf_id}"))
            .insert_header((header::HOST, "b.localhost"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "{label}");

    // Bad uploads: a clear French message, and nothing stored.
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let big = pdf(70_000);
    let medium = pdf(60_000);
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let cases: Vec<(Vec<Part<'_>>, StatusCode, &str)> = vec![
        (
            vec![
                Part::Text("csrf_token", &a.token),
                Part::File("pieces", "gros.pdf", "application/pdf", &big),
            ],
            StatusCode::PAYLOAD_TOO_LARGE,
            "dépasse la taille autorisée (64 ko)",
        ),
        (
            vec![
                Part::Text("csrf_token", &a.token),
                Part::File("pieces", "vide.pdf", "application/pdf", b""),
            ],
            StatusCode::BAD_REQUEST,
            "Le fichier est vide",
        ),
        (
            vec![
                Part::Text("csrf_token", &a.token),
                Part::File("pieces", "facture.pdf", "application/pdf", &html),
            ],
            StatusCode::BAD_REQUEST,
            "n’est pas un PDF, JPEG ou PNG",
        ),
        (
            vec![
                Part::Text("csrf_token", &a.token),
                Part::File("pieces", "logo.png", "image/png", &svg),
            ],
            StatusCode::BAD_REQUEST,
            "n’est pas un PDF, JPEG ou PNG",
        ),
        // Each within its size, together over the form's total.
        (
            vec![
                Part::Text("csrf_token", &a.token),
                Part::File("pieces", "un.pdf", "application/pdf", &medium),
                Part::File("pieces", "deux.pdf", "application/pdf", &medium),
            ],
            StatusCode::PAYLOAD_TOO_LARGE,
            "Les fichiers envoyés ensemble dépassent 100 ko",
        ),
        // More files than the form takes.
        (
            vec![
                Part::Text("csrf_token", &a.token),
                Part::File("pieces", "1.pdf", "application/pdf", &doc),
                Part::File("pieces", "2.pdf", "application/pdf", &doc),
                Part::File("pieces", "3.pdf", "application/pdf", &doc),
                Part::File("pieces", "4.pdf", "application/pdf", &doc),
            ],
            StatusCode::PAYLOAD_TOO_LARGE,
            "3 fichiers au plus",
        ),
        // A file under a name the form does not have: refused unread.
        (
            vec![
                Part::Text("csrf_token", &a.token),
                Part::File("pieces", "bon.pdf", "application/pdf", &doc),
                Part::File("autre", "x.pdf", "application/pdf", &doc),
            ],
            StatusCode::BAD_REQUEST,
            "par son champ « pieces » seulement",
        ),
        // A good file, then a bad one: the good one is not kept either.
        (
            vec![
                Part::Text("csrf_token", &a.token),
                Part::File("pieces", "bon.pdf", "application/pdf", &doc),
                Part::File("pieces", "mauvais.pdf", "application/pdf", &html),
            ],
            StatusCode::BAD_REQUEST,
            "n’est pas un PDF",
        ),
        // The file before the token, or no token at all.
        (
            vec![
                Part::File("pieces", "bon.pdf", "application/pdf", &doc),
                Part::Text("csrf_token", &a.token),
            ],
            StatusCode::FORBIDDEN,
            "Formulaire expiré",
        ),
        (
            vec![Part::File("pieces", "bon.pdf", "application/pdf", &doc)],
            StatusCode::FORBIDDEN,
            "Formulaire expiré",
        ),
        (
            vec![
                Part::Text("csrf_token", "faux"),
                Part::File("pieces", "bon.pdf", "application/pdf", &doc),
            ],
            StatusCode::FORBIDDEN,
            "Formulaire expiré",
        ),
    ];
    for (parts, expected, message) in &cases {
        let (status, body) = post(&app, &a, parts).await;
        assert_eq!(status, *expected, "{label} {backend:?}: {body}");
        assert!(body.contains(message), "{label}: «{message}» in {body}");
        assert_eq!(
            s.files.keys().await.unwrap().len(),
            2,
            "{label}: nothing more stored after «{message}»"
        );
    }
}

#[actix_web::test]
async fn uploads_on_the_filesystem() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        scenario(backend, None).await;
    }
}

#[actix_web::test]
async fn uploads_on_an_s3_compatible_server() {
    let s3 = S3Server::start();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        scenario(backend, Some(&s3)).await;
        // The next run starts from an empty bucket.
        let files = FileStore::open(Some(&s3.url()), std::path::Path::new("/nonexistent")).unwrap();
        for k in files.keys().await.unwrap() {
            files.delete(&k).await.unwrap();
        }
    }
}

/// The S3 server stopped: a clear error, nothing in the database; started
/// again, uploads work.
#[actix_web::test]
async fn an_unreachable_store_is_a_clear_error_then_works_again() {
    let s3 = S3Server::start();
    let s = setup(Backend::Sqlite, Some(&s3));
    let app = app!(s);
    let a = visitor(&app, "a.localhost").await;
    let bucket = s3.bucket.clone();
    let port = s3.stop();
    let doc = pdf(5_000);
    let parts = [
        Part::Text("csrf_token", &a.token),
        Part::File("pieces", "avis.pdf", "application/pdf", &doc),
    ];
    let (status, body) = post(&app, &a, &parts).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("Le stockage des fichiers ne répond pas"),
        "{body}"
    );
    let tenant = s
        .store
        .platform_read(|c| guichet_core::tenancy::find_by_slug(c, "a"))
        .unwrap()
        .unwrap();
    let none = s.store.read(tenant.id, |tx| files::get(tx, 1)).unwrap();
    assert!(none.is_none());

    // Back (an empty server again: moto keeps nothing): works again.
    let s3 = S3Server::start_on(port, &bucket);
    s3.create_bucket();
    let (status, body) = post(&app, &a, &parts).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(s.files.keys().await.unwrap().len(), 1);
}
