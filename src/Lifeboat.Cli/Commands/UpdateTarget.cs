using System.Globalization;
using Lifeboat.Cli.Identity;
using Lifeboat.Communication;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Templates;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;

namespace Lifeboat.Cli.Commands;

/// <summary>A customer link just issued, with the page's address holding its token: the only time the token is seen.</summary>
internal sealed record IssuedLink(CustomerLink Link, string Url);

/// <summary>The template library as `template list` shows it: where saves go, each template and where it comes from, and the variables.</summary>
internal sealed record TemplateLibrary(string? Folder, IReadOnlyList<TemplateEntry> Templates, IReadOnlyList<TemplateVariable> Variables);

internal sealed record TemplateEntry(string Language, string Name, string Origin);

internal sealed record TemplateVariable(string Path, string Meaning);

/// <summary>
/// Where `lifeboat incident update …`, `figures`, `customer-link …` and `template …` run: the communication desk on the
/// database (local mode, acting as the CLI's principal) or a server's API (remote mode, acting as the token's principal).
/// Each command is written once against this; both answer in the library's own types.
/// </summary>
internal interface IUpdateTarget
{
    Task<IReadOnlyList<IncidentUpdate>> UpdatesAsync(IncidentId incident, bool publishedOnly, CancellationToken ct);

    Task<IncidentUpdate> GetAsync(IncidentId incident, int number, CancellationToken ct);

    Task<IncidentUpdate> DraftAsync(IncidentId incident, UpdateDraft draft, CancellationToken ct);

    Task<IncidentUpdate> ApproveAsync(IncidentId incident, int number, CancellationToken ct);

    Task<IncidentUpdate> DoubleCheckAsync(IncidentId incident, int number, CancellationToken ct);

    Task<IncidentUpdate> PublishAsync(IncidentId incident, int number, CancellationToken ct);

    Task<IncidentUpdate> WithdrawAsync(IncidentId incident, int number, string reason, CancellationToken ct);

    Task<IReadOnlyList<IncidentUpdate>> FromProgressAsync(IncidentId incident, CancellationToken ct);

    Task<RecoveryFigures> FiguresAsync(IncidentId incident, CancellationToken ct);

    Task<IReadOnlyList<CustomerLink>> LinksAsync(IncidentId incident, string? account, CancellationToken ct);

    Task<IssuedLink> IssueLinkAsync(IncidentId incident, string account, int? days, CancellationToken ct);

    Task<IssuedLink> ReissueLinkAsync(IncidentId incident, string account, string reason, CancellationToken ct);

    Task<CustomerLink> RevokeLinkAsync(IncidentId incident, string link, string reason, CancellationToken ct);

    Task<TemplateLibrary> TemplatesAsync(CancellationToken ct);

    Task<UpdateTemplate> TemplateAsync(string language, string name, CancellationToken ct);

    Task<UpdateTemplate> SaveTemplateAsync(string language, string name, string source, CancellationToken ct);
}

/// <summary>
/// The desk on the database, acting as the CLI's principal. Customer links need the environment's link key, kept in the
/// home (<c>&lt;home&gt;/comms/link.key</c>, as the server keeps it); <paramref name="noLinkKey"/> says why there is none.
/// </summary>
internal sealed class LocalUpdates(CommunicationDesk desk, IncidentDesk incidents, string? noLinkKey) : IUpdateTarget
{
    public Task<IReadOnlyList<IncidentUpdate>> UpdatesAsync(IncidentId incident, bool publishedOnly, CancellationToken ct) =>
        desk.UpdatesAsync(incident, publishedOnly, ct);

    public Task<IncidentUpdate> GetAsync(IncidentId incident, int number, CancellationToken ct) => desk.GetUpdateAsync(incident, number, ct);

    public Task<IncidentUpdate> DraftAsync(IncidentId incident, UpdateDraft draft, CancellationToken ct) => desk.DraftUpdateAsync(incident, draft, ct);

    public Task<IncidentUpdate> ApproveAsync(IncidentId incident, int number, CancellationToken ct) => desk.ApproveUpdateAsync(incident, number, ct);

    public Task<IncidentUpdate> DoubleCheckAsync(IncidentId incident, int number, CancellationToken ct) => desk.DoubleCheckUpdateAsync(incident, number, ct);

    public Task<IncidentUpdate> PublishAsync(IncidentId incident, int number, CancellationToken ct) => desk.PublishUpdateAsync(incident, number, ct);

    public Task<IncidentUpdate> WithdrawAsync(IncidentId incident, int number, string reason, CancellationToken ct) => desk.WithdrawUpdateAsync(incident, number, reason, ct);

    public Task<IReadOnlyList<IncidentUpdate>> FromProgressAsync(IncidentId incident, CancellationToken ct) => desk.DraftFromProgressAsync(incident, ct);

    public Task<RecoveryFigures> FiguresAsync(IncidentId incident, CancellationToken ct) => desk.FiguresAsync(incident, ct);

    public async Task<IReadOnlyList<CustomerLink>> LinksAsync(IncidentId incident, string? account, CancellationToken ct)
    {
        // An unknown incident is its NotFound, as over HTTP, rather than an empty list.
        await incidents.GetAsync(incident, ct);
        return await desk.CustomerLinksAsync(incident, account, ct);
    }

    public async Task<IssuedLink> IssueLinkAsync(IncidentId incident, string account, int? days, CancellationToken ct)
    {
        RequireLinkKey();
        var link = await desk.IssueCustomerLinkAsync(incident, account, days is { } d ? TimeSpan.FromDays(d) : null, ct);
        return new IssuedLink(link, desk.Options.CustomerPageUrl + link.Token);
    }

    public async Task<IssuedLink> ReissueLinkAsync(IncidentId incident, string account, string reason, CancellationToken ct)
    {
        RequireLinkKey();
        var link = await desk.ReissueCustomerLinkAsync(incident, account, reason, ct);
        return new IssuedLink(link, desk.Options.CustomerPageUrl + link.Token);
    }

    public Task<CustomerLink> RevokeLinkAsync(IncidentId incident, string link, string reason, CancellationToken ct)
    {
        // Revoking needs no key, but refusing it too keeps one rule: where links cannot be issued, they are handled through the server.
        RequireLinkKey();
        return desk.RevokeCustomerLinkAsync(incident, link, reason, ct);
    }

    public Task<TemplateLibrary> TemplatesAsync(CancellationToken ct) => Task.FromResult(Library(desk.Options.Templates));

    public Task<UpdateTemplate> TemplateAsync(string language, string name, CancellationToken ct) => Task.FromResult(desk.Options.Templates.Get(language, name));

    public Task<UpdateTemplate> SaveTemplateAsync(string language, string name, string source, CancellationToken ct) =>
        Task.FromResult(desk.Options.Templates.Save(language, name, source));

    internal static TemplateLibrary Library(UpdateTemplates templates) => new(templates.Folder,
        [.. templates.List().Select(t => new TemplateEntry(t.Language, t.Name, t.Origin))],
        [.. TemplateVariables.All.Select(v => new TemplateVariable(v.Path, v.Meaning))]);

    private void RequireLinkKey()
    {
        if (noLinkKey is not null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, noLinkKey);
        }
    }
}

/// <summary>A server's update, figure, customer-link and template endpoints, with the words the API takes ("public", "restoring").</summary>
internal sealed class RemoteUpdates(RemoteTarget target) : IUpdateTarget
{
    public async Task<IReadOnlyList<IncidentUpdate>> UpdatesAsync(IncidentId incident, bool publishedOnly, CancellationToken ct) =>
        await target.GetAsync<List<IncidentUpdate>>($"api/incidents/{incident}/updates{(publishedOnly ? "?published=true" : "")}", ct);

    public Task<IncidentUpdate> GetAsync(IncidentId incident, int number, CancellationToken ct) =>
        target.GetAsync<IncidentUpdate>($"api/incidents/{incident}/updates/{N(number)}", ct);

    public Task<IncidentUpdate> DraftAsync(IncidentId incident, UpdateDraft draft, CancellationToken ct) =>
        target.PostAsync<IncidentUpdate>($"api/incidents/{incident}/updates", new
        {
            audience = UpdateWords.Of(draft.Audience),
            phase = draft.Phase is { } phase ? UpdateWords.Of(phase) : null,
            message = draft.Message,
            account = draft.Account,
            stream = draft.Stream,
            template = draft.Template,
            language = draft.Language,
            corrects = draft.Corrects,
        }, ct);

    public Task<IncidentUpdate> ApproveAsync(IncidentId incident, int number, CancellationToken ct) => Step(incident, number, "approve", null, ct);

    public Task<IncidentUpdate> DoubleCheckAsync(IncidentId incident, int number, CancellationToken ct) => Step(incident, number, "double-check", null, ct);

    public Task<IncidentUpdate> PublishAsync(IncidentId incident, int number, CancellationToken ct) => Step(incident, number, "publish", null, ct);

    public Task<IncidentUpdate> WithdrawAsync(IncidentId incident, int number, string reason, CancellationToken ct) => Step(incident, number, "withdraw", new { reason }, ct);

    public async Task<IReadOnlyList<IncidentUpdate>> FromProgressAsync(IncidentId incident, CancellationToken ct) =>
        await target.PostAsync<List<IncidentUpdate>>($"api/incidents/{incident}/updates/from-progress", null, ct);

    public Task<RecoveryFigures> FiguresAsync(IncidentId incident, CancellationToken ct) => target.GetAsync<RecoveryFigures>($"api/incidents/{incident}/figures", ct);

    public async Task<IReadOnlyList<CustomerLink>> LinksAsync(IncidentId incident, string? account, CancellationToken ct) =>
        await target.GetAsync<List<CustomerLink>>($"api/incidents/{incident}/customer-links{(account is null ? "" : "?account=" + Uri.EscapeDataString(account))}", ct);

    public Task<IssuedLink> IssueLinkAsync(IncidentId incident, string account, int? days, CancellationToken ct) =>
        // The API reads one body shape for issuing and re-issuing and wants each of its members, null or not.
        target.PostAsync<IssuedLink>($"api/incidents/{incident}/customer-links", new { account, days, reason = (string?)null }, ct);

    public Task<IssuedLink> ReissueLinkAsync(IncidentId incident, string account, string reason, CancellationToken ct) =>
        target.PostAsync<IssuedLink>($"api/incidents/{incident}/customer-links/reissue", new { account, days = (int?)null, reason }, ct);

    public Task<CustomerLink> RevokeLinkAsync(IncidentId incident, string link, string reason, CancellationToken ct) =>
        target.PostAsync<CustomerLink>($"api/incidents/{incident}/customer-links/{Uri.EscapeDataString(link)}/revoke", new { reason }, ct);

    public Task<TemplateLibrary> TemplatesAsync(CancellationToken ct) => target.GetAsync<TemplateLibrary>("api/comms/templates", ct);

    public Task<UpdateTemplate> TemplateAsync(string language, string name, CancellationToken ct) =>
        target.GetAsync<UpdateTemplate>($"api/comms/templates/{Uri.EscapeDataString(language)}/{Uri.EscapeDataString(name)}", ct);

    public Task<UpdateTemplate> SaveTemplateAsync(string language, string name, string source, CancellationToken ct) =>
        target.PutAsync<UpdateTemplate>($"api/comms/templates/{Uri.EscapeDataString(language)}/{Uri.EscapeDataString(name)}", new { source }, ct);

    private Task<IncidentUpdate> Step(IncidentId incident, int number, string step, object? body, CancellationToken ct) =>
        target.PostAsync<IncidentUpdate>($"api/incidents/{incident}/updates/{N(number)}/{step}", body, ct);

    private static string N(int number) => number.ToString(CultureInfo.InvariantCulture);
}
