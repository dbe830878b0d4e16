use std::process::ExitCode;

/// A page allocates many small strings (rows, JSON, HTML); mimalloc serves
/// them faster than the system allocator under several threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use guichet_server::cli::{AdminCommand, Cli, Command, LdapCommand};
use guichet_server::commands;
use guichet_server::config::Config;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve {
        migrate: false,
        new_secret_key: false,
    });
    init_logs(matches!(
        command,
        Command::Serve { .. } | Command::Demo { serve: true }
    ));
    let result = Config::load(cli.config.as_deref())
        .map_err(commands::Failure::from)
        .and_then(|config| match command {
            Command::Serve {
                migrate,
                new_secret_key,
            } => commands::serve(
                &config,
                commands::Serving {
                    migrate,
                    new_secret_key,
                    test_bank: false,
                },
            ),
            Command::Migrate => commands::migrate(&config),
            Command::Demo { serve } => {
                commands::demo(&config)?;
                if serve {
                    commands::serve(
                        &config,
                        commands::Serving {
                            test_bank: true,
                            ..Default::default()
                        },
                    )
                } else {
                    Ok(())
                }
            }
            Command::Admin(AdminCommand::CreateSuperadmin { login, .. }) => {
                commands::create_superadmin(&config, &login)
            }
            Command::Admin(AdminCommand::Token {
                login,
                revoke,
                days,
                scope,
            }) => commands::admin_token(&config, &login, revoke, days, scope.as_deref()),
            Command::Jobs { retry } => commands::jobs(&config, retry),
            Command::TestBank {
                without_notifications,
            } => commands::test_bank(&config, without_notifications),
            Command::Ldap(LdapCommand::Sync { tenant }) => {
                commands::ldap_sync(&config, tenant.as_deref())
            }
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("guichet : {failure}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard error; `RUST_LOG` chooses what, `info` by default when
/// serving (one line per request, with its id and collectivité).
fn init_logs(serving: bool) {
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::EnvFilter;
    let default = if serving {
        "info,actix_server=warn"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
