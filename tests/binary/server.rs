use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The first admin's key of every server these tests start.
pub const BOOTSTRAP_KEY: &str = "ob_e2e_bootstrap_key";

pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgbase"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("ORGBASE_BIND")
        .env_remove("ORGBASE_PUBLIC_URL")
        .env_remove("ORGBASE_BOOTSTRAP_KEY")
        .env_remove("ORGBASE_CONFIG");
    command
}

/// A running `orgbase serve` on a free port.
pub struct Server {
    child: Child,
    pub address: String,
    /// What it wrote to stderr before it listened.
    pub startup: Vec<String>,
    /// Everything it wrote to stderr after that, line by line.
    log: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the server on `database_url` with [`BOOTSTRAP_KEY`] and waits until it listens.
    pub fn start(database_url: &str) -> Server {
        Self::start_with(database_url, Some(BOOTSTRAP_KEY))
    }

    /// Starts the server with this bootstrap key, or none.
    pub fn start_with(database_url: &str, bootstrap_key: Option<&str>) -> Server {
        Self::start_in(database_url, bootstrap_key, &[])
    }

    /// Starts the server with [`BOOTSTRAP_KEY`] and these environment variables too.
    pub fn start_with_env(database_url: &str, env: &[(&str, &str)]) -> Server {
        Self::start_in(database_url, Some(BOOTSTRAP_KEY), env)
    }

    fn start_in(database_url: &str, bootstrap_key: Option<&str>, env: &[(&str, &str)]) -> Server {
        let mut command = binary();
        if let Some(key) = bootstrap_key {
            command.env("ORGBASE_BOOTSTRAP_KEY", key);
        }
        command.envs(env.iter().copied());
        let mut child = command
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, log) = mpsc::channel();
        // Owned by `Server` at once, so its Drop kills and reaps the process on every path.
        let mut server = Server {
            child,
            address: String::new(),
            startup: Vec::new(),
            log,
        };
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match server.log.recv_timeout(remaining) {
                Ok(line) => {
                    if let Some(address) = line.split("listening on http://").nth(1) {
                        server.address = address.trim().to_owned();
                        server.startup = seen;
                        return server;
                    }
                    seen.push(line);
                }
                Err(_) => panic!("orgbase did not start listening; it said: {seen:#?}"),
            }
        }
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let lines = self.log.try_iter().collect();
                return (status, lines);
            }
            assert!(
                Instant::now() < deadline,
                "orgbase did not stop after SIGTERM"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
