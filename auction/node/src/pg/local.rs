//! A private Postgres cluster on 127.0.0.1, for `stakebid dev --cluster`
//! and the tests: Debian's `postgresql` (its binaries are not on PATH, they
//! are found under `/usr/lib/postgresql/<version>/bin`), `initdb` into a
//! directory of ours, then the server on a free port, TCP only, trust auth
//! for the `stakebid` role. Postgres refuses to run as root, so as root
//! (CI) both run as the `postgres` user. Killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running private cluster.
pub struct LocalPostgres {
    child: Option<Child>,
    /// Its log file.
    pub log: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    user: Option<(u32, u32)>,
}

/// The newest installed Postgres's `bin` directory.
pub fn postgres_bin() -> PathBuf {
    try_bin().unwrap_or_else(|e| panic!("{e}"))
}

fn try_bin() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "Postgres is not installed (tests/setup.sh installs postgresql)".to_string())?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|v| v.1)
        .ok_or_else(|| "no Postgres server binaries under /usr/lib/postgresql".to_string())
}

/// The `postgres` user's (uid, gid) when we are root, else `None`.
fn postgres_user() -> Option<(u32, u32)> {
    let id = |args: &[&str]| -> Option<u32> {
        let out = Command::new("id").args(args).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    if id(&["-u"])? != 0 {
        return None;
    }
    Some((id(&["-u", "postgres"])?, id(&["-g", "postgres"])?))
}

fn as_user(cmd: &mut Command, user: Option<(u32, u32)>) {
    use std::os::unix::process::CommandExt;
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
}

impl LocalPostgres {
    /// `initdb` and start a cluster under `dir`; panics with the reason (tests).
    pub fn start(dir: &Path) -> LocalPostgres {
        LocalPostgres::try_start(dir).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `initdb` and start a cluster under `dir`.
    pub fn try_start(dir: &Path) -> Result<LocalPostgres, String> {
        let bin = try_bin()?;
        let user = postgres_user();
        let data = dir.join("pgdata");
        std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
        if let Some((uid, gid)) = user {
            let _ = Command::new("chown").arg(format!("{uid}:{gid}")).arg(dir).arg(&data).status();
        }
        let mut init = Command::new(bin.join("initdb"));
        init.arg("-D")
            .arg(&data)
            .args(["-U", "stakebid", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        as_user(&mut init, user);
        let out = init.output().map_err(|e| format!("cannot run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let mut pg = LocalPostgres {
            child: None,
            log: dir.join("postgres.log"),
            port: stakebid_bus::net::free_port().unwrap_or(55432),
            bin,
            data,
            user,
        };
        pg.try_resume()?;
        Ok(pg)
    }

    /// Starts the server again on the same data and port (after
    /// [`LocalPostgres::stop`]); panics with the reason (tests).
    pub fn resume(&mut self) {
        self.try_resume().unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_resume(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("{}: {e}", self.log.display()))?;
        let mut cmd = Command::new(self.bin.join("postgres"));
        cmd.arg("-D")
            .arg(&self.data)
            .args(["-p", &self.port.to_string(), "-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "unix_socket_directories=", "-c", "max_connections=200"])
            .stdout(Stdio::null())
            .stderr(log);
        as_user(&mut cmd, self.user);
        self.child = Some(cmd.spawn().map_err(|e| format!("cannot start postgres: {e}"))?);
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "stakebid", "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let tail = std::fs::read_to_string(&self.log).unwrap_or_default();
        Err(format!("Postgres did not come up on 127.0.0.1:{}: {tail}", self.port))
    }

    /// A fast shutdown (SIGINT): connections closed, data kept.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").args(["-s", "INT", &c.id().to_string()]).status();
            let _ = c.wait();
        }
    }

    /// The URL of database `name`, created empty if it does not exist.
    pub fn database(&self, name: &str) -> String {
        let _ = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "stakebid", name])
            .stderr(Stdio::null())
            .status();
        format!("postgres://stakebid@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        // A fast shutdown, not a kill: the server's children exit with it.
        self.stop();
    }
}
