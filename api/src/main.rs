//! The `fleetdesk` binary: the API server and its operations commands.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fleetdesk_api::bootstrap;
use fleetdesk_api::config::Config;
use fleetdesk_domain::identity::{Email, StaffRole};
use fleetdesk_persistence::Db;

#[derive(Parser)]
#[command(
    name = "fleetdesk",
    version,
    about = "fleetdesk: the service-network API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI contract as YAML (or, with --json, as JSON).
    Openapi {
        /// JSON, as served at /api-docs/openapi.json.
        #[arg(long)]
        json: bool,
    },
    /// Manage the manufacturer's staff users.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Load a small demo data set (idempotent) and print its sign-ins.
    DemoSeed,
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add a staff user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        /// customer-service, call-center, dispatch-planner, technician or warranty-admin.
        #[arg(long)]
        role: StaffRole,
        #[arg(long, default_value = "")]
        name: String,
    },
}

fn main() -> ExitCode {
    fleetdesk_api::logging::init();
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleetdesk: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open_db(config: &Config) -> Result<Db, String> {
    let db = Db::open(&config.database_url, &config.pool).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    Ok(db)
}

fn run(command: Command) -> Result<(), String> {
    if let Command::Openapi { json } = command {
        let text = if json {
            fleetdesk_api::openapi_json()? + "\n"
        } else {
            fleetdesk_api::openapi_yaml()?
        };
        // A reader that stops early (`| head`) is not an error.
        return match std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
            _ => Ok(()),
        };
    }
    let config = Config::from_env().map_err(|e| e.to_string())?;
    match command {
        Command::Serve => serve(config),
        Command::Migrate => {
            let db = Db::open(&config.database_url, &config.pool).map_err(|e| e.to_string())?;
            let n = db.migrate().map_err(|e| e.to_string())?;
            println!("applied {n} migration(s)");
            Ok(())
        }
        Command::Staff {
            command: StaffCommand::Add { email, role, name },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']);
            let email = Email::parse(&email).map_err(|e| e.to_string())?;
            let db = open_db(&config)?;
            let name = if name.is_empty() {
                email.to_string()
            } else {
                name
            };
            let id = bootstrap::add_staff(
                &db,
                email.as_str(),
                &name,
                role,
                password,
                config.clock.now(),
            )
            .map_err(|e| e.to_string())?;
            println!("added {role} {email} ({id})");
            Ok(())
        }
        Command::DemoSeed => {
            // The demo's sign-ins have well-known passwords: never in a real deployment.
            if !config.dev_mode {
                return Err(
                    "demo-seed adds users with well-known passwords; it runs only with FLEETDESK_ENV=dev"
                        .into(),
                );
            }
            let db = open_db(&config)?;
            let report =
                bootstrap::demo_seed(&db, config.clock.now()).map_err(|e| e.to_string())?;
            print!("{report}");
            Ok(())
        }
        Command::Openapi { .. } => Ok(()),
    }
}

fn serve(config: Config) -> Result<(), String> {
    let dev = config.dev_mode;
    actix_web::rt::System::new().block_on(async move {
        let built = fleetdesk_api::build(config).map_err(|e| e.to_string())?;
        log::info!(
            "fleetdesk listening on http://{} (Swagger UI: http://{}/swagger-ui/){}",
            built.addr,
            built.addr,
            if dev { " in development mode" } else { "" }
        );
        let result = built.server.await.map_err(|e| e.to_string());
        drop(built.mail_sender);
        drop(built.reminders);
        drop(built.webhooks);
        result
    })
}
