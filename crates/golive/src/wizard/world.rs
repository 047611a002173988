//! What the wizard needs from an offline rehearsal, without the engine knowing the stand-ins
//! (they live in the `golive-rehearsal` crate): a Worker run on this machine in place of the
//! deployed one, holding the secrets the Secrets step pushed, for Verify's probes.

use super::Problem;
use crate::environment::Environment;
use crate::local_worker::LocalWorker;
use futures::future::BoxFuture;

/// A world of local stand-ins (the offline rehearsal). Real mode has none.
pub trait LocalWorld: Send + Sync {
    /// Starts the project's Worker locally (`wrangler dev`) with the secrets the (stand-in)
    /// Cloudflare account holds for it; Verify probes it instead of the deployed Worker.
    fn start_worker<'a>(&'a self, env: &'a Environment) -> BoxFuture<'a, Result<LocalWorker, Problem>>;
}
