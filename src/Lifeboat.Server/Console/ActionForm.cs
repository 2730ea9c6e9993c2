namespace Lifeboat.Server.Console;

/// <summary>The fields the console's action forms post; each form sends the ones its action takes.</summary>
public sealed class ActionForm
{
    public string? Reason { get; set; }

    public string? ContentHash { get; set; }

    public string? Acknowledge { get; set; }

    public string? Name { get; set; }

    public string? Login { get; set; }

    public string? Password { get; set; }

    public string? CurrentPassword { get; set; }

    public string? ConfirmPassword { get; set; }

    public string? Roles { get; set; }

    public string? Target { get; set; }

    public bool DiscardLaterWrites { get; set; }

    public int? ExpiresInDays { get; set; }

    /// <summary>A reason a destructive or audited action requires, refused when blank with what to write.</summary>
    public string RequireReason(string what) => Reason is { Length: > 0 } r && !string.IsNullOrWhiteSpace(r)
        ? r.Trim()
        : throw new Platform.PlatformException(Platform.PlatformErrorKind.Invalid, $"A reason is required to {what}: say why, for the audit log.");

    /// <summary>Role names from a comma- or space-separated field.</summary>
    public IReadOnlyList<string> RoleList() => (Roles ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
