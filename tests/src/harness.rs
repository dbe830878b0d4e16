//! The test harness: a scene with the platform and two collectivités (Arles,
//! where the test happens, and Nîmes, whose data must stay out of sight),
//! agents with rights, households with requests in the state the test needs,
//! and the jobs run as the server runs them (the registry's one list). It
//! stands on the fixtures, which remain the steps a scene is made of.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use guichet_cases::casework::{self as case, BatchAction};
use guichet_cases::registry::{self, Wiring};
use guichet_core::agents::{self, Desk};
use guichet_core::domain::host::Site;
use guichet_core::domain::requests::{Actor, RequestState};
use guichet_core::mail::smtp::SmtpSender;
use guichet_core::tenancy::Tenant;

use crate::api::Platform;
use crate::client::Browser;
use crate::fixtures;
use crate::Backend;

pub struct Scene {
    pub p: Platform,
    /// Where the test happens.
    pub arles: Tenant,
    /// The other collectivité: nothing of Arles may show there, nor the reverse.
    pub nimes: Tenant,
}

/// A household of Arles with a canteen request for one child.
#[derive(Debug, Clone, Copy)]
pub struct Filed {
    /// The adult who signed up.
    pub person: i64,
    pub child: i64,
    pub request: i64,
}

impl Scene {
    pub async fn new(backend: Backend) -> Scene {
        let (p, arles, nimes) = fixtures::setup(backend).await;
        Scene { p, arles, nimes }
    }

    /// An agent of Arles with `right` (`read`, `write`, `manage`) on its
    /// school téléservices; their uid.
    pub fn agent(&self, first: &str, last: &str, right: &str) -> String {
        fixtures::agent(&self.p, &self.arles, first, last, right)
    }

    /// The desk of Arles's agent `uid`: what they may do, as the pages load it.
    pub fn desk(&self, uid: &str) -> Desk {
        let uid = uid.to_owned();
        self.p
            .store
            .read(self.arles.id, |tx| {
                let agent = agents::get(tx, &uid)?.ok_or(guichet_core::Error::NotFound)?;
                agents::desk(tx, agent.id)
            })
            .expect("the agent's desk")
    }

    /// Arles's portal, as the e-mails' links name it.
    pub fn site(&self) -> Site {
        Site {
            url: self.arles.public_url(8080),
            name: self.arles.name.clone(),
        }
    }

    /// A household signed up and signed in in `browser` (`email`), its
    /// child `first`, and the child's canteen registration in `state`:
    /// drafted, sent, then moved by `agent` along the shortest way the
    /// workflow allows, each move as the agent makes it from the request's
    /// page (lock, rights, reasons, the household told).
    pub async fn canteen_request<S, B>(
        &self,
        app: &S,
        browser: &mut Browser,
        email: &str,
        first: &str,
        agent: &str,
        state: RequestState,
    ) -> Filed
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let person = fixtures::household(app, &self.p, &self.arles, browser, email).await;
        let child = fixtures::add_child(app, browser, person, first).await;
        let request = fixtures::start_canteen(app, browser, child).await;
        if state != RequestState::Draft {
            fixtures::send_canteen(app, browser, request).await;
            self.move_to(agent, request, state);
        }
        Filed {
            person,
            child,
            request,
        }
    }

    /// Moves request `id` to `to` as agent `uid`, along the shortest way
    /// the workflow allows an agent; panics if there is none or a move is
    /// refused (the test asked for what cannot be).
    pub fn move_to(&self, uid: &str, id: i64, to: RequestState) {
        let from = RequestState::parse(&fixtures::state_of(&self.p, &self.arles, id))
            .expect("a request's state");
        let desk = self.desk(uid);
        let here = self.site();
        for step in way(from, to).unwrap_or_else(|| panic!("no way from {from:?} to {to:?}")) {
            let what = BatchAction::Move {
                to: step.code().into(),
                reason: "Motif donné pour le test.".into(),
            };
            self.p
                .store
                .write(self.arles.id, |tx| {
                    case::apply(tx, &desk, id, None, None, &what, &here)
                })
                .unwrap_or_else(|e| panic!("{from:?} → {step:?} refused: {e:?}"));
        }
    }

    /// Runs the jobs that are due, as the server's runner does, e-mail
    /// going to the SMTP server on `smtp_port`; how many ran.
    pub fn run_jobs(&self, smtp_port: u16) -> usize {
        let url = url::Url::parse(&format!("smtp://127.0.0.1:{smtp_port}")).expect("an SMTP URL");
        let runner = registry::jobs(
            &self.p.store,
            Wiring {
                mail: Some(SmtpSender::new(&url, "Ville d’Arles <mairie@arles.example>").unwrap()),
                ..Wiring::new(8080, self.p.shared.files.get_ref().clone())
            },
        );
        let mut ran = 0;
        loop {
            let n = runner.run_once().expect("the jobs' table");
            if n == 0 {
                return ran;
            }
            ran += n;
        }
    }
}

/// The shortest way an agent may take from `from` to `to` (the states after
/// `from`, in order), if any.
pub fn way(from: RequestState, to: RequestState) -> Option<Vec<RequestState>> {
    let mut paths = vec![vec![from]];
    let mut seen = vec![from];
    while !paths.is_empty() {
        let mut next = Vec::new();
        for path in paths {
            let last = *path.last().unwrap();
            if last == to {
                return Some(path[1..].to_vec());
            }
            for s in RequestState::ALL {
                if last.may_become(s, Actor::Agent) && !seen.contains(&s) {
                    seen.push(s);
                    let mut longer = path.clone();
                    longer.push(s);
                    next.push(longer);
                }
            }
        }
        paths = next;
    }
    None
}
