//! The real `fieldledger-server` binary as a child process: serving on a loopback port, killing
//! it with SIGKILL and reading its peak memory and CPU time. For the crash tests, the load
//! generator and the comparison runs.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the server binary is: `FIELDLEDGER_SERVER`, or beside the running executable (cargo
/// puts test binaries one folder deeper, in `deps/`), built there if it is missing.
pub fn server_binary() -> std::io::Result<PathBuf> {
    if let Some(path) = std::env::var_os("FIELDLEDGER_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let binary = dir.join("fieldledger-server");
    if !binary.is_file() {
        let release = dir.ends_with("release");
        let mut build = Command::new(option_env!("CARGO").unwrap_or("cargo"));
        build.args(["build", "--quiet", "-p", "fieldledger-server", "--bin"]);
        build.arg("fieldledger-server");
        if release {
            build.arg("--release");
        }
        let status = build.status()?;
        if !status.success() {
            return Err(std::io::Error::other("building fieldledger-server failed"));
        }
    }
    Ok(binary)
}

/// A free loopback port (free when asked; the server binds it moments later).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?
        .local_addr()?
        .port())
}

/// The most memory process `pid` has held (VmHWM), in KiB, while it runs.
pub fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The CPU time process `pid` has used so far, user and system (`utime` + `stime` of
/// `/proc/PID/stat`), in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    stat_cpu_seconds(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?).map(|(_, s)| s)
}

/// The CPU time the threads of process `pid` have used so far, leaving out the threads whose
/// name starts with `except`, in seconds.
pub fn threads_cpu_seconds(pid: u32, except: &str) -> Option<f64> {
    let mut total = 0.0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let Ok(stat) = std::fs::read_to_string(task.ok()?.path().join("stat")) else {
            continue; // the thread ended
        };
        if let Some((name, seconds)) = stat_cpu_seconds(&stat)
            && !name.starts_with(except)
        {
            total += seconds;
        }
    }
    Some(total)
}

/// The command name and `utime` + `stime` in seconds of a `/proc/…/stat` line.
fn stat_cpu_seconds(stat: &str) -> Option<(&str, f64)> {
    // The command name (field 2, in parentheses) may hold spaces; the fields follow its ')'.
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Linux reports these in USER_HZ, which is 100 on every architecture it exposes to users.
    Some((name, (utime + stime) as f64 / 100.0))
}

/// A running server process.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Its base URL.
    pub url: String,
}

impl ServerProcess {
    /// Starts `fieldledger-server serve` on `data_dir` and `port`, and waits until it answers
    /// `/healthz`.
    /// On PostgreSQL ([`crate::backend`]), its database is the data directory's.
    pub fn start(data_dir: &Path, port: u16) -> std::io::Result<ServerProcess> {
        Self::start_with(data_dir, port, &[])
    }

    /// [`ServerProcess::start`] with more options of `serve`, `serve_args`.
    pub fn start_with(
        data_dir: &Path,
        port: u16,
        serve_args: &[&str],
    ) -> std::io::Result<ServerProcess> {
        let mut command = Command::new(server_binary()?);
        command.arg("--data-dir").arg(data_dir);
        if let Some(url) = crate::backend::database_for(data_dir).map_err(std::io::Error::other)? {
            let connections = crate::backend::CONNECTIONS.to_string();
            command.args(["--database", &url, "--connections", &connections]);
        }
        let child = command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(serve_args)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut server = ServerProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .new_agent();
        let started = Instant::now();
        while agent.get(format!("{}/healthz", server.url)).call().is_err() {
            if let Some(status) = server.child.try_wait()? {
                return Err(std::io::Error::other(format!(
                    "the server exited: {status}"
                )));
            }
            if started.elapsed() > Duration::from_secs(60) {
                server.kill()?;
                return Err(std::io::Error::other("the server did not start in 60 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The most memory the process has held (VmHWM), in KiB, while it runs.
    pub fn peak_memory_kib(&self) -> Option<u64> {
        peak_memory_kib(self.pid())
    }

    /// The CPU time the process has used so far (user and system), in seconds.
    pub fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(self.pid())
    }

    /// Kills the process with SIGKILL, as a power cut or the OOM killer would, and reaps it.
    pub fn kill(&mut self) -> std::io::Result<()> {
        self.child.kill()?;
        self.child.wait().map(drop)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}
