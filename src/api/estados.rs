//! `/api/v1/estados`: the 32 states with what is registered in each (for
//! the map and the state filters).

use super::error::ApiError;
use super::{whole_list, Reply, Request};

pub async fn list(req: &Request<'_>) -> Result<Reply, ApiError> {
    let p = &req.params;
    let run = req.run_for(p).await?;
    let items = req.state.read(move |s| s.estados(run)).await?;
    Ok(whole_list(items))
}
