//! Classifying SDK errors so the engine can decide what to do.

use crate::error::{CloudError, ErrorKind};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;

/// The class of an AWS error code (EC2 and RDS spell some differently).
pub(crate) fn kind_of(code: &str) -> ErrorKind {
    match code {
        "RequestLimitExceeded"
        | "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException" => ErrorKind::Throttled,
        c if c.ends_with(".NotFound")
            || c.ends_with("NotFound")
            || c.ends_with("NotFoundFault") =>
        {
            ErrorKind::NotFound
        }
        "UnauthorizedOperation"
        | "AccessDenied"
        | "AccessDeniedException"
        | "AuthFailure"
        | "InvalidClientTokenId"
        | "ExpiredToken"
        | "UnrecognizedClientException" => ErrorKind::Unauthorized,
        "InsufficientInstanceCapacity"
        | "InsufficientDBInstanceCapacity"
        | "InsufficientDBClusterCapacityFault"
        | "InsufficientCapacity"
        | "Unsupported" => ErrorKind::Capacity,
        "IncorrectInstanceState"
        | "IncorrectState"
        | "InvalidDBInstanceState"
        | "InvalidDBInstanceStateFault"
        | "InvalidDBClusterStateFault"
        | "InvalidDBClusterState" => ErrorKind::InvalidState,
        c if c.starts_with("Invalid")
            || c.starts_with("MissingParameter")
            || c == "ValidationError" =>
        {
            ErrorKind::Invalid
        }
        "InternalError" | "ServiceUnavailable" | "Unavailable" | "InternalFailure" => {
            ErrorKind::Unavailable
        }
        _ => ErrorKind::Other,
    }
}

pub(crate) fn classify<E, R>(operation: &str, err: SdkError<E, R>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::ServiceError(_) => {
            let code = err.code().map(str::to_owned);
            let message = err.message().unwrap_or("no message").to_owned();
            let kind = code.as_deref().map_or(ErrorKind::Other, kind_of);
            CloudError {
                kind,
                code,
                message: format!("{operation}: {message}"),
            }
        }
        SdkError::TimeoutError(_) => {
            CloudError::new(ErrorKind::Unavailable, format!("{operation}: timed out"))
        }
        SdkError::DispatchFailure(e) => CloudError::new(
            ErrorKind::Unavailable,
            format!("{operation}: cannot reach AWS: {e:?}"),
        ),
        _ => CloudError::new(
            ErrorKind::Other,
            format!(
                "{operation}: {}",
                aws_smithy_types::error::display::DisplayErrorContext(&err)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(kind_of("RequestLimitExceeded"), ErrorKind::Throttled);
        assert_eq!(kind_of("InvalidInstanceID.NotFound"), ErrorKind::NotFound);
        assert_eq!(kind_of("DBInstanceNotFound"), ErrorKind::NotFound);
        assert_eq!(kind_of("IncorrectInstanceState"), ErrorKind::InvalidState);
        assert_eq!(kind_of("InvalidDBInstanceState"), ErrorKind::InvalidState);
        assert_eq!(kind_of("UnauthorizedOperation"), ErrorKind::Unauthorized);
        assert_eq!(kind_of("InsufficientInstanceCapacity"), ErrorKind::Capacity);
        assert_eq!(kind_of("InvalidParameterValue"), ErrorKind::Invalid);
        assert_eq!(kind_of("SomethingNew"), ErrorKind::Other);
    }
}
