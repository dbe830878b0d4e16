//! One route table per plane: every route with the principal it requires and
//! the action it performs, registered from that table alone. Methods a path
//! does not declare answer 405 with `Allow`. The tests read the tables: the
//! isolation matrix calls every route with another collectivité's ids.

use std::collections::BTreeSet;

use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, Handler, HttpResponse, Resource, Responder};

use super::AppError;

/// Who may call a route (the handler's extractor enforces it; the table says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anybody: sign-in pages, links mailed to people, public documents.
    Anyone,
    /// A platform super-admin (provisioning).
    SuperAdmin,
    /// A collectivité's referential admin, or a super-admin (provisioning).
    ReferentialAdmin,
    /// An agent of the collectivité the host name names (back office).
    Agent,
    /// A household of the collectivité the host name names (portal).
    Household,
}

/// A route as the table declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    /// actix pattern, `{name}` for parameters, relative to the plane's mount.
    pub path: String,
    pub who: Who,
    /// What it does, `object.verb` (`agent.create`): for reviews and the audit.
    pub action: &'static str,
}

type Extra = Box<dyn FnOnce(Resource) -> Resource>;

struct Entry {
    info: RouteInfo,
    route: actix_web::Route,
    extra: Vec<Extra>,
}

/// A plane's routes, built once and registered with [`RouteTable::register`].
#[derive(Default)]
pub struct RouteTable {
    entries: Vec<Entry>,
}

impl RouteTable {
    pub fn new() -> RouteTable {
        RouteTable::default()
    }

    pub fn route<F, Args>(
        mut self,
        method: Method,
        path: impl Into<String>,
        who: Who,
        action: &'static str,
        handler: F,
    ) -> RouteTable
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.entries.push(Entry {
            info: RouteInfo {
                method: method.clone(),
                path: path.into(),
                who,
                action,
            },
            route: web::method(method).to(handler),
            extra: Vec::new(),
        });
        self
    }

    pub fn get<F, Args>(
        self,
        path: impl Into<String>,
        who: Who,
        action: &'static str,
        handler: F,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::GET, path, who, action, handler)
    }

    pub fn post<F, Args>(
        self,
        path: impl Into<String>,
        who: Who,
        action: &'static str,
        handler: F,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::POST, path, who, action, handler)
    }

    pub fn put<F, Args>(
        self,
        path: impl Into<String>,
        who: Who,
        action: &'static str,
        handler: F,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::PUT, path, who, action, handler)
    }

    pub fn patch<F, Args>(
        self,
        path: impl Into<String>,
        who: Who,
        action: &'static str,
        handler: F,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::PATCH, path, who, action, handler)
    }

    pub fn delete<F, Args>(
        self,
        path: impl Into<String>,
        who: Who,
        action: &'static str,
        handler: F,
    ) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::DELETE, path, who, action, handler)
    }

    /// Data for the last route added (its resource), as `web::Data<T>`.
    pub fn with_data<T: 'static>(mut self, data: T) -> RouteTable {
        if let Some(last) = self.entries.last_mut() {
            let data = web::Data::new(data);
            last.extra
                .push(Box::new(move |r: Resource| r.app_data(data)));
        }
        self
    }

    /// Another table's routes after these.
    pub fn merge(mut self, other: RouteTable) -> RouteTable {
        self.entries.extend(other.entries);
        self
    }

    pub fn infos(&self) -> Vec<RouteInfo> {
        self.entries.iter().map(|e| e.info.clone()).collect()
    }

    /// Registers one resource per path, with its declared methods; any other
    /// method answers 405 with `Allow`.
    pub fn register(self, cfg: &mut web::ServiceConfig) {
        let mut paths: Vec<(String, Resource, BTreeSet<String>)> = Vec::new();
        for entry in self.entries {
            let at = match paths.iter().position(|(p, _, _)| *p == entry.info.path) {
                Some(i) => i,
                None => {
                    paths.push((
                        entry.info.path.clone(),
                        web::resource(entry.info.path.clone()),
                        BTreeSet::new(),
                    ));
                    paths.len() - 1
                }
            };
            let (_, resource, methods) = &mut paths[at];
            let mut r = std::mem::replace(resource, web::resource(""));
            r = r.route(entry.route);
            for extra in entry.extra {
                r = extra(r);
            }
            *resource = r;
            methods.insert(entry.info.method.to_string());
        }
        for (_, resource, mut methods) in paths {
            if methods.contains("GET") {
                methods.insert("HEAD".into());
            }
            let allow = methods.into_iter().collect::<Vec<_>>().join(", ");
            cfg.service(resource.default_service(web::to(move || {
                let allow = allow.clone();
                async move { method_not_allowed(&allow) }
            })));
        }
    }
}

/// 405, with the methods this path accepts (rendered like every error).
fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut res = HttpResponse::from_error(AppError::MethodNotAllowed);
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        res.headers_mut().insert(header::ALLOW, value);
    }
    res
}
