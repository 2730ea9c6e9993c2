namespace Lifeboat.Platform;

public enum PlatformErrorKind
{
    /// <summary>The input is malformed or not allowed (HTTP 400).</summary>
    Invalid,

    /// <summary>Something named by the input does not exist here (HTTP 404).</summary>
    NotFound,

    /// <summary>The input is fine but conflicts with the current state (HTTP 409).</summary>
    Conflict,
}

/// <summary>
/// An error the platform reports on purpose: the message says what was wrong and what to do,
/// and nothing was changed by the call that threw it.
/// </summary>
public class PlatformException(PlatformErrorKind kind, string message) : Exception(message)
{
    public PlatformErrorKind Kind { get; } = kind;
}
