using Lifeboat.Incidents;
using Microsoft.AspNetCore.Components;

namespace Lifeboat.Server.Console;

/// <summary>
/// What the incident pages and their parts share: the incident desk acting as the signed-in principal,
/// recording the source "console", and which forms to render. A form whose permission the principal
/// lacks is not shown; on a POST the submitted form is rendered until its handler has run, so that a forged post
/// reaches <see cref="ConsolePage.ActAsync"/> and is answered 403 with the missing permission, not with the
/// framework's "no such form".
/// </summary>
public abstract class IncidentConsolePage : ConsolePage
{
    /// <summary>What the timeline records as the source of a change made in the console.</summary>
    public const string Source = "console";

    [Inject]
    protected IncidentDeskLifetime IncidentDesks { get; set; } = null!;

    protected IncidentDesk Desk => IncidentDesks.For(HttpContext).WithSource(Source);

    /// <summary>Set once this request's form handler has run: the form it needed for dispatch is no longer.</summary>
    protected bool Handled { get; set; }

    /// <summary>The name of the form this POST submits, until its handler has run; null otherwise.</summary>
    protected string? PostedForm => !Handled && HttpMethods.IsPost(HttpContext.Request.Method) && HttpContext.Request.HasFormContentType
        ? HttpContext.Request.Form["_handler"].ToString()
        : null;

    /// <summary>Whether to render a form of <paramref name="forms"/>, which needs <paramref name="permission"/>.</summary>
    protected bool Offers(string permission, params string[] forms) => Can(permission) || (PostedForm is { } posted && forms.Contains(posted, StringComparer.Ordinal));

    /// <summary><see cref="ConsolePage.ActAsync"/>, marking the request's form handled.</summary>
    protected async Task<bool> ActOnIncidentAsync(string permission, Func<Task> action)
    {
        try
        {
            return await ActAsync(permission, action);
        }
        finally
        {
            Handled = true;
        }
    }
}
