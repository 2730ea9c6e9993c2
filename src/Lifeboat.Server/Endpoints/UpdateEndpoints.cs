using Lifeboat.Communication;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Templates;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>A draft as posted: only the audience is needed (the phase too, unless a correction names the update it corrects); the rest may be left out.</summary>
public sealed record DraftUpdateRequest(string? Audience, string? Phase = null, string? Message = null, string? Account = null, string? Stream = null, string? Template = null,
    string? Language = null, int? Corrects = null);

public sealed record WithdrawUpdateRequest(string? Reason);

public sealed record CustomerLinkRequest(string? Account, int? Days = null, string? Reason = null);

public sealed record RevokeLinkRequest(string? Reason);

public sealed record TemplateSaveRequest(string? Source);

/// <summary>An issued link: the page's address with its token, shown once (only the link's ID is kept).</summary>
public sealed record IssuedCustomerLink(CustomerLink Link, string Url);

/// <summary>
/// Customer communication over HTTP (docs/architecture.md, "Communication"): updates drafted from templates bound to the live
/// figures, approved by the communications lead or the commander, double-checked by another person, published; customers'
/// capability links; the update templates. Audiences and phases travel as words ("public", "restoring").
/// </summary>
public static class UpdateEndpoints
{
    public static IEndpointRouteBuilder MapUpdateEndpoints(this IEndpointRouteBuilder app)
    {
        var incidents = app.MapArea("/api/incidents", "Updates");
        incidents.MapGet("/{incident}/updates", List).WithName("ListIncidentUpdates").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The incident's updates, newest first: drafts, approved, published and withdrawn (published=true for the published only)");
        incidents.MapGet("/{incident}/updates/{number:int}", Get).WithName("GetIncidentUpdate").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("One update, with the figures it is bound to");
        incidents.MapPost("/{incident}/updates", Draft).WithName("DraftIncidentUpdate").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Draft an update bound to the live figures; it waits for review")
            .WithDescription("""
                Body {audience: internal|public|customer, phase: investigating|identified|restoring|monitoring|recovered, message?, account? (customer
                updates), stream?, template?, language? (en, ja), corrects? (the number of a published update)}. The label ([Restoring 41%]) and
                every figure are Lifeboat's: a message that opens with a label is refused. 201 with the draft.
                """);
        incidents.MapPost("/{incident}/updates/{number:int}/approve", Approve).WithName("ApproveIncidentUpdate").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Approve a draft: the communications lead or the commander of the incident (holder or backup); anyone else is a 409");
        incidents.MapPost("/{incident}/updates/{number:int}/double-check", DoubleCheck).WithName("DoubleCheckIncidentUpdate").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Double-check an approved update: anyone but its approver");
        incidents.MapPost("/{incident}/updates/{number:int}/publish", Publish).WithName("PublishIncidentUpdate").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Publish an approved, double-checked update; it never changes again (a correction is a new update)");
        incidents.MapPost("/{incident}/updates/{number:int}/withdraw", Withdraw).WithName("WithdrawIncidentUpdate").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Withdraw a draft or an approved update that was not published, with a reason; it stays in the record");
        incidents.MapPost("/{incident}/updates/from-progress", FromProgress).WithName("DraftIncidentUpdatesFromProgress").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Draft now what the progress calls for (the server also does it every few seconds)");
        incidents.MapGet("/{incident}/figures", Figures).WithName("GetIncidentFigures").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The recovery figures updates are bound to: sites affected and restored, the share, the ETA range, each site's data loss and confidence");
        incidents.MapGet("/{incident}/customer-links", Links).WithName("ListCustomerLinks").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The incident's customer links (their IDs, accounts, expiry, revocation; never their tokens)");
        incidents.MapPost("/{incident}/customer-links", IssueLink).WithName("IssueCustomerLink").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Issue a signed, expiring link to a customer's own page of the incident; the URL is shown once")
            .WithDescription("Body {account, days? (1 to 90, default 14)}. 201 with {link, url}.");
        incidents.MapPost("/{incident}/customer-links/reissue", ReissueLink).WithName("ReissueCustomerLink").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Revoke the account's active links and issue a new one").WithDescription("Body {account, reason}.");
        incidents.MapPost("/{incident}/customer-links/{link}/revoke", RevokeLink).WithName("RevokeCustomerLink").RequirePermission(Permissions.IncidentsDeclare)
            .WithSummary("Revoke a link, with a reason: it stops working at once").WithDescription("Body {reason}.");

        var templates = app.MapArea("/api/comms/templates", "Updates");
        templates.MapGet("/", ListTemplates).WithName("ListUpdateTemplates").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The update templates (language, name, origin: a file or built-in) and the variables they may use");
        templates.MapGet("/{language}/{name}", GetTemplate).WithName("GetUpdateTemplate").RequirePermission(Permissions.IncidentsRead).WithSummary("One template's source");
        templates.MapPut("/{language}/{name}", SaveTemplate).WithName("SaveUpdateTemplate").RequirePermission(Permissions.IncidentsCommand)
            .WithSummary("Save a template to the environment's folder; one that does not parse or names an unknown variable is a 400 with the line and the name")
            .WithDescription("Body {source}. The variables are in docs/templates.md and in GET /api/comms/templates.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<IncidentUpdate>>> List(string incident, CommunicationDesk desk, CancellationToken cancellationToken, bool published = false) =>
        TypedResults.Ok(await desk.UpdatesAsync(IncidentId.Parse(incident), published, cancellationToken));

    public static async Task<Ok<IncidentUpdate>> Get(string incident, int number, CommunicationDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.GetUpdateAsync(IncidentId.Parse(incident), number, cancellationToken));

    public static async Task<Created<IncidentUpdate>> Draft(string incident, DraftUpdateRequest request, CommunicationDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var draft = await desk.DraftUpdateAsync(id, new UpdateDraft
        {
            Audience = Word<UpdateAudience>(request.Audience, "audience", required: true)!.Value,
            Phase = Word<UpdatePhase>(request.Phase, "phase", required: false),
            Message = request.Message ?? "",
            Account = request.Account,
            Stream = request.Stream,
            Template = request.Template,
            Language = request.Language,
            Corrects = request.Corrects,
        }, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/updates/{draft.Number}", draft);
    }

    public static async Task<Ok<IncidentUpdate>> Approve(string incident, int number, CommunicationDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.ApproveUpdateAsync(IncidentId.Parse(incident), number, cancellationToken));

    public static async Task<Ok<IncidentUpdate>> DoubleCheck(string incident, int number, CommunicationDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.DoubleCheckUpdateAsync(IncidentId.Parse(incident), number, cancellationToken));

    public static async Task<Ok<IncidentUpdate>> Publish(string incident, int number, CommunicationDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.PublishUpdateAsync(IncidentId.Parse(incident), number, cancellationToken));

    public static async Task<Ok<IncidentUpdate>> Withdraw(string incident, int number, WithdrawUpdateRequest request, CommunicationDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.WithdrawUpdateAsync(IncidentId.Parse(incident), number, request.Reason ?? "", cancellationToken));

    public static async Task<Ok<IReadOnlyList<IncidentUpdate>>> FromProgress(string incident, CommunicationDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.DraftFromProgressAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Ok<RecoveryFigures>> Figures(string incident, CommunicationDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.FiguresAsync(IncidentId.Parse(incident), cancellationToken));

    public static async Task<Ok<IReadOnlyList<CustomerLink>>> Links(string incident, CommunicationDesk desk, CancellationToken cancellationToken, string? account = null) =>
        TypedResults.Ok(await desk.CustomerLinksAsync(IncidentId.Parse(incident), account, cancellationToken));

    public static async Task<Created<IssuedCustomerLink>> IssueLink(string incident, CustomerLinkRequest request, CommunicationDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var link = await desk.IssueCustomerLinkAsync(id, RequireAccount(request.Account), request.Days is { } d ? TimeSpan.FromDays(d) : null, cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/customer-links", new IssuedCustomerLink(link, desk.Options.CustomerPageUrl + link.Token));
    }

    public static async Task<Created<IssuedCustomerLink>> ReissueLink(string incident, CustomerLinkRequest request, CommunicationDesk desk, CancellationToken cancellationToken)
    {
        var id = IncidentId.Parse(incident);
        var link = await desk.ReissueCustomerLinkAsync(id, RequireAccount(request.Account), request.Reason ?? "re-issued on request", cancellationToken);
        return TypedResults.Created($"/api/incidents/{id}/customer-links", new IssuedCustomerLink(link, desk.Options.CustomerPageUrl + link.Token));
    }

    public static async Task<Ok<CustomerLink>> RevokeLink(string incident, string link, RevokeLinkRequest request, CommunicationDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.RevokeCustomerLinkAsync(IncidentId.Parse(incident), link, request.Reason ?? "", cancellationToken));

    public static Ok<object> ListTemplates(CommunicationDesk desk) =>
        TypedResults.Ok<object>(new
        {
            folder = desk.Options.Templates.Folder,
            templates = desk.Options.Templates.List().Select(t => new { t.Language, t.Name, t.Origin }),
            variables = TemplateVariables.All.Select(v => new { path = v.Path, meaning = v.Meaning }),
        });

    public static Ok<UpdateTemplate> GetTemplate(string language, string name, CommunicationDesk desk) => TypedResults.Ok(desk.Options.Templates.Get(language, name));

    public static Ok<UpdateTemplate> SaveTemplate(string language, string name, TemplateSaveRequest request, CommunicationDesk desk) =>
        TypedResults.Ok(desk.Options.Templates.Save(language, name, request.Source ?? throw new PlatformException(PlatformErrorKind.Invalid, "give the template's text as source. Nothing was saved.")));

    private static string RequireAccount(string? account) =>
        string.IsNullOrWhiteSpace(account) ? throw new PlatformException(PlatformErrorKind.Invalid, "name the customer's account (acct_…).") : account.Trim();

    /// <summary>An enum from the word people write ("public", "restoring"); anything else is a 400 listing the words.</summary>
    private static T? Word<T>(string? word, string what, bool required)
        where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(word))
        {
            return required
                ? throw new PlatformException(PlatformErrorKind.Invalid, $"give the {what}: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.")
                : null;
        }

        return Enum.TryParse<T>(word.Trim(), ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(word, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? value
            : throw new PlatformException(PlatformErrorKind.Invalid, $"'{word}' is not a {what}: use {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }
}
