//! A test browser for the HTML planes: one session cookie, one host; forms
//! posted with their CSRF token; redirects read, not followed.

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::test::{self, TestRequest};

/// A browser: one session cookie, one host.
pub struct Browser {
    pub host: String,
    pub cookie_name: &'static str,
    pub cookie: Option<Cookie<'static>>,
    /// Headers sent with every request (a client that forges some).
    pub headers: Vec<(&'static str, String)>,
    /// The address it connects from (none by default, as in-process).
    pub peer: Option<std::net::SocketAddr>,
    /// The other cookies the server set (a device cookie), sent back.
    pub others: Vec<Cookie<'static>>,
}

pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
}

impl Browser {
    /// This browser, connecting from `ip`.
    pub fn from(mut self, ip: &str) -> Browser {
        self.peer = Some(std::net::SocketAddr::new(ip.parse().unwrap(), 40000));
        self
    }

    /// This browser, sending on every request the headers a reverse proxy
    /// would add, forged to name another host and scheme.
    pub fn forging_forwarded_headers(mut self) -> Browser {
        self.headers = vec![
            (
                "forwarded",
                "for=203.0.113.9;host=evil.example;proto=https".into(),
            ),
            ("x-forwarded-host", "evil2.example".into()),
            ("x-forwarded-proto", "https".into()),
            ("x-forwarded-for", "203.0.113.9".into()),
        ];
        self
    }

    pub fn provisioning() -> Browser {
        Browser {
            host: "127.0.0.1:8081".into(),
            cookie_name: "guichet_provisioning",
            cookie: None,
            headers: Vec::new(),
            peer: None,
            others: Vec::new(),
        }
    }

    /// The back office of collectivité `slug`.
    pub fn backoffice(slug: &str) -> Browser {
        Browser {
            host: format!("{slug}.localhost:8080"),
            cookie_name: "guichet_agents",
            cookie: None,
            headers: Vec::new(),
            peer: None,
            others: Vec::new(),
        }
    }

    /// The portal of collectivité `slug`.
    pub fn portal(slug: &str) -> Browser {
        Browser {
            host: format!("{slug}.localhost:8080"),
            cookie_name: "guichet_portail",
            cookie: None,
            headers: Vec::new(),
            peer: None,
            others: Vec::new(),
        }
    }

    pub async fn send<S, B>(&mut self, app: &S, req: TestRequest) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut req = req.insert_header((header::HOST, self.host.clone()));
        for h in &self.headers {
            req = req.insert_header(h.clone());
        }
        if let Some(peer) = self.peer {
            req = req.peer_addr(peer);
        }
        if let Some(c) = &self.cookie {
            req = req.cookie(c.clone());
        }
        for c in &self.others {
            req = req.cookie(c.clone());
        }
        let res = test::call_service(app, req.to_request()).await;
        for c in res.response().cookies() {
            if c.name() == self.cookie_name {
                self.cookie = (!c.value().is_empty()).then(|| c.into_owned());
            } else {
                self.others.retain(|o| o.name() != c.name());
                if !c.value().is_empty() {
                    self.others.push(c.into_owned());
                }
            }
        }
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let html = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        Answer {
            status,
            location,
            html,
        }
    }

    pub async fn get<S, B>(&mut self, app: &S, path: &str) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.send(app, TestRequest::get().uri(path)).await
    }

    /// A document's bytes (a PDF), its status checked.
    pub async fn get_bytes<S, B>(&mut self, app: &S, path: &str) -> Vec<u8>
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut req = TestRequest::get()
            .uri(path)
            .insert_header((header::HOST, self.host.clone()));
        for h in &self.headers {
            req = req.insert_header(h.clone());
        }
        if let Some(c) = &self.cookie {
            req = req.cookie(c.clone());
        }
        let res = test::call_service(app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        test::read_body(res).await.to_vec()
    }

    /// Posts `fields` with the CSRF token of the page at `form_page`.
    pub async fn submit<S, B>(
        &mut self,
        app: &S,
        form_page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let page = self.get(app, form_page).await;
        assert!(
            page.status.is_success(),
            "{form_page}: {} {}",
            page.status,
            page.html
        );
        let token = csrf_of(&page.html);
        self.post(app, action, &token, fields).await
    }

    pub async fn post<S, B>(
        &mut self,
        app: &S,
        action: &str,
        token: &str,
        fields: &[(&str, &str)],
    ) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf_token", token);
        for (k, v) in fields {
            body.append_pair(k, v);
        }
        self.send(
            app,
            TestRequest::post()
                .uri(action)
                .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(body.finish()),
        )
        .await
    }

    /// An agent's sign-in to the back office.
    pub async fn agent_sign_in<S, B>(&mut self, app: &S, uid: &str, password: &str) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.submit(
            app,
            "/backoffice/connexion",
            "/backoffice/connexion",
            &[("uid", uid), ("password", password)],
        )
        .await
    }

    /// Posts a multipart form; the CSRF token goes first, as our forms put it.
    pub async fn upload<S, B>(
        &mut self,
        app: &S,
        action: &str,
        token: &str,
        parts: &[Part<'_>],
    ) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let mut all = vec![Part::Text("csrf_token", token)];
        all.extend(parts.iter().map(|p| match p {
            Part::Text(n, v) => Part::Text(n, v),
            Part::File(n, f, t, b) => Part::File(n, f, t, b),
        }));
        let (content_type, body) = multipart(&all);
        self.send(
            app,
            TestRequest::post()
                .uri(action)
                .insert_header((header::CONTENT_TYPE, content_type))
                .set_payload(body),
        )
        .await
    }

    /// A household's sign-in to the portal.
    pub async fn household_sign_in<S, B>(&mut self, app: &S, email: &str, password: &str) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.submit(
            app,
            "/connexion",
            "/connexion",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn sign_in<S, B>(&mut self, app: &S, login: &str, password: &str) -> Answer
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.submit(
            app,
            "/connexion",
            "/connexion",
            &[("login", login), ("password", password)],
        )
        .await
    }
}

/// A part of a multipart form: a text field, or a file (field, file name,
/// type, bytes).
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

/// A `multipart/form-data` body: its content type and bytes.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----guichet-test-boundary";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, filename, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"csrf_token\" value=\"")
        .expect("the page has a form with a token")
        + 25;
    html[start..].split('"').next().unwrap().to_owned()
}
