namespace Lifeboat.Server.Console;

/// <summary>The fields the public support pages post: the request (and the honeypot, Website), then its code.</summary>
public sealed class SupportForm
{
    public string? Email { get; set; }

    public string? Company { get; set; }

    public string? Site { get; set; }

    public string? Description { get; set; }

    /// <summary>Hidden from people; a robot that fills every field fills it.</summary>
    public string? Website { get; set; }

    public string? Request { get; set; }

    public string? Code { get; set; }

    /// <summary>The mail's link token, posted back from the confirm button its page shows.</summary>
    public string? Token { get; set; }
}
