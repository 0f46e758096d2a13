use std::process::ExitCode;

use anyhow::Context;
use berth_server::config::{Cli, Command, Config};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("berth: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(flags) => {
            let config = Config::load(cli.config.as_deref(), &flags)?;
            berth_server::telemetry::init(config.log_format);
            let listener =
                tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
            let running = berth_server::start(config, listener).await?;
            println!("Berth is running at {}", running.state.config.external_url());
            running.wait().await
        }
        Command::Gc(flags) => {
            let config = Config::load(cli.config.as_deref(), &flags.as_serve_flags())?;
            berth_server::telemetry::init(config.log_format);
            let mut out = std::io::stdout();
            berth_server::gc_command::run(&config, &flags, &mut out).await
        }
        Command::RotateTokenKey(flags) => {
            let config = Config::load(cli.config.as_deref(), &flags.as_serve_flags())?;
            berth_server::telemetry::init(config.log_format);
            let kid = berth_server::rotate_token_key(&config).await?;
            println!("New registry token signing key {kid}; nodes sign with it within 30 s, old keys verify until their tokens expire");
            Ok(())
        }
    }
}
