using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Microsoft.AspNetCore.Components;

namespace Lifeboat.Server.Console;

/// <summary>
/// What every console page shares: the request, its principal, the platform acting as that principal,
/// and one way to run an action so that a missing permission or a refusal becomes a message on the page
/// (what is missing, who has it, what to do), never a blank page or framework text.
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = null!;

    [Inject]
    protected LifeboatPlatform Platform { get; set; } = null!;

    [Inject]
    protected ILogger<ConsolePage> Logger { get; set; } = null!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = null!;

    /// <summary>Who is signed in; the sign-in page is the only one that renders without.</summary>
    protected Principal? Me => Actors.PrincipalOf(HttpContext);

    /// <summary>What went wrong with the last action or load, in Lifeboat's words.</summary>
    protected string? Error { get; private set; }

    /// <summary>What the last action did.</summary>
    protected string? Notice { get; set; }

    protected bool Can(string permission) => Me?.Has(permission) == true;

    /// <summary>
    /// Runs an action the page offers, if the principal holds <paramref name="permission"/> (the same the
    /// API endpoint declares); otherwise says which permission is missing and which roles hold it (403).
    /// Returns whether the action ran to the end.
    /// </summary>
    protected async Task<bool> ActAsync(string permission, Func<Task> action)
    {
        Error = null;
        if (Me is not { } me || !me.Has(permission))
        {
            Error = Me?.Denial(permission) ?? $"This needs the permission {permission}; sign in first.";
            HttpContext.Response.StatusCode = StatusCodes.Status403Forbidden;
            return false;
        }

        return await TryAsync(action);
    }

    /// <summary>Runs a load or an action; a refusal or a missing record becomes <see cref="Error"/> with the API's status.</summary>
    protected async Task<bool> TryAsync(Func<Task> action)
    {
        try
        {
            await action();
            return true;
        }
        catch (Exception e) when (e is not NavigationException and not OperationCanceledException)
        {
            var (status, detail) = ApiErrors.Classify(e, HttpContext);
            if (status == StatusCodes.Status500InternalServerError)
            {
                Logger.LogError(e, "Unexpected error on console page {Path}", HttpContext.Request.Path);
                detail = "The server could not complete this; the error is in its log.";
            }

            Error = detail;
            if (!HttpContext.Response.HasStarted)
            {
                HttpContext.Response.StatusCode = status;
            }

            return false;
        }
    }

    protected static string When(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "—";
}
