using System.CommandLine;
using System.Globalization;
using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Support;
using Lifeboat.Support.Accounts;
using Lifeboat.Support.Tickets;
using Spectre.Console;
using static Lifeboat.Cli.Commands.PlatformCommand;
using static Lifeboat.Platform.Access.Permissions;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat support tickets | show | link | account`: support's tickets and the account view (customer 360) from a terminal, on the
/// database, acting as the CLI's principal (support.read to read, support.write to link). Through a server, the same reads are
/// GET /api/support/tickets and /api/support/accounts/{id}.
/// </summary>
internal static class SupportCommands
{
    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var support = new Command("support", "Support tickets (by queue, account, or a team's open work) and one customer account's whole picture");

        var queue = new Option<string?>("--queue") { Description = "triage, incident or general" };
        var account = new Option<string?>("--account") { Description = "Only this account's tickets (acct_…)" };
        var owner = new Option<string?>("--owner") { Description = "A team's open work: apac, emea or amer (the shift table's teams)" };
        var limit = new Option<int>("--limit") { Description = "How many, newest first (1 to 500)", DefaultValueFactory = _ => 100 };
        var listJson = IncidentCommands.Json();
        support.Add(new Command("tickets", "Confirmed tickets, newest first, with their owner and first-response due time") { queue, account, owner, limit, listJson }
            .OnSupport(g, SupportRead, async (p, desk, ct) =>
            {
                var found = await desk.TicketsAsync(new TicketFilter(p.GetValue(queue) is { } q ? TicketWords.Parse<TicketQueue>(q, "queue") : null,
                    p.GetValue(account) is { } a ? AccountId.Parse(a) : null, p.GetValue(owner), p.GetValue(limit)), ct);
                if (!IncidentCommands.WroteJson(console, p, listJson, found))
                {
                    WriteTickets(console, found);
                }

                return LifeboatCli.Ok;
            }));

        var showId = Arg("ticket", "The ticket (tkt_…)");
        var showJson = IncidentCommands.Json();
        support.Add(new Command("show", "A ticket with its whole history: created, verified, linked, merged, messages, hand-offs, SLA alerts") { showId, showJson }
            .OnSupport(g, SupportRead, async (p, desk, ct) =>
            {
                var view = await desk.GetTicketAsync(TicketId.Parse(p.GetValue(showId)), ct);
                if (!IncidentCommands.WroteJson(console, p, showJson, view))
                {
                    WriteTicket(console, view);
                }

                return LifeboatCli.Ok;
            }));

        var linkId = Arg("ticket", "A ticket without an account (triage)");
        var linkAccount = Arg("account", "The account a person confirmed it belongs to (acct_…)");
        var reason = new Option<string?>("--reason") { Description = "How you confirmed it (a call, the billing record)" };
        support.Add(new Command("link", "Link a triage ticket to the customer account a person confirmed; it moves to the general queue") { linkId, linkAccount, reason }
            .OnSupport(g, SupportWrite, async (p, desk, ct) =>
            {
                var linked = await desk.LinkTicketAsync(TicketId.Parse(p.GetValue(linkId)), AccountId.Parse(p.GetValue(linkAccount)), p.GetValue(reason), ct);
                console.MarkupLine($"Ticket {E(linked.Ticket.Id)} is on account {E(linked.Ticket.Account)} now, in the {TicketWords.Of(linked.Ticket.Queue)} queue.");
                return LifeboatCli.Ok;
            }));

        var accountId = Arg("account", "The customer account (acct_…)");
        var accountJson = IncidentCommands.Json();
        support.Add(new Command("account", "One customer account whole: sites and states, incidents' restore progress and data loss, tickets and tasks, escalations by channel, updates sent, contacts and their history")
            { accountId, accountJson }
            .OnSupport(g, SupportRead, async (p, desk, ct) =>
            {
                await using var incidents = await IncidentDesk.OpenAsync(desk.Platform, ct);
                await using var comms = await CommunicationDesk.OpenAsync(desk.Platform, incidents, cancellationToken: ct);
                var view = await desk.Desk.AccountOverviewAsync(AccountId.Parse(p.GetValue(accountId)), comms, ct);
                if (!IncidentCommands.WroteJson(console, p, accountJson, view))
                {
                    WriteAccount(console, view);
                }

                return LifeboatCli.Ok;
            }));
        return support;
    }

    /// <summary>The support desk opened on the session's platform, acting as its principal.</summary>
    private sealed record SupportSession(SupportDesk Desk, LifeboatPlatform Platform)
    {
        public Task<IReadOnlyList<Ticket>> TicketsAsync(TicketFilter filter, CancellationToken ct) => Desk.TicketsAsync(filter, ct);

        public Task<TicketView> GetTicketAsync(TicketId ticket, CancellationToken ct) => Desk.GetTicketAsync(ticket, ct);

        public Task<TicketView> LinkTicketAsync(TicketId ticket, AccountId account, string? reason, CancellationToken ct) => Desk.LinkTicketAsync(ticket, account, reason, ct);
    }

    private static Command OnSupport(this Command command, GlobalOptions g, string permission, Func<ParseResult, SupportSession, CancellationToken, Task<int>> action) =>
        command.WithSession(g, permission, async (p, session, ct) =>
        {
            await using var desk = await SupportDesk.OpenAsync(session.Platform, cancellationToken: ct);
            return await action(p, new SupportSession(desk.As(session.Principal), session.Platform), ct);
        });

    private static void WriteTickets(IAnsiConsole console, IReadOnlyList<Ticket> tickets)
    {
        if (tickets.Count == 0)
        {
            console.MarkupLine("No ticket.");
            return;
        }

        var table = new Table().AddColumns("ticket", "subject", "queue", "priority", "state", "account", "owner", "first response due");
        foreach (var t in tickets)
        {
            table.AddRow(E(t.Id), E(t.Subject), TicketWords.Of(t.Queue), TicketWords.Of(t.Priority), TicketWords.Of(t.State), E(t.Account?.Value ?? "—"), E(t.Owner ?? "—"),
                t.Clocks?.FirstRespondedAt is not null ? "answered" : t.Clocks?.FirstResponseDue is { } due ? StoreCommands.Time(due) : "—");
        }

        console.Write(table);
    }

    private static void WriteTicket(IAnsiConsole console, TicketView view)
    {
        var t = view.Ticket;
        console.MarkupLine($"[bold]{E(t.Id)}[/] {E(t.Subject)}");
        console.MarkupLine($"{TicketWords.Of(t.Queue)} queue, {TicketWords.Of(t.Priority)}, {TicketWords.Of(t.State)}, from the {TicketWords.Of(t.Channel)}; account {E(t.Account?.Value ?? "none (triage)")}; owner {E(t.Owner ?? "none yet")}");
        if (t.Incident is { } incident)
        {
            console.MarkupLine($"Incident {E(incident)}, sites {E(string.Join(", ", t.Sites))}");
        }

        if (t.Clocks is { FirstResponseDue: { } due } clocks)
        {
            console.MarkupLine($"SLA: first response due {StoreCommands.Time(due)}{(clocks.FirstRespondedAt is { } at ? $", given {StoreCommands.Time(at)}" : "")}" +
                (clocks.UpdateDue is { } next ? $"; next update due {StoreCommands.Time(next)}" : ""));
        }

        foreach (var e in view.History)
        {
            console.MarkupLine($"{StoreCommands.Time(e.At)} {E(e.Kind)} {E(e.Actor)}: {E(e.Text)}");
        }
    }

    private static void WriteAccount(IAnsiConsole console, AccountOverview view)
    {
        var a = view.Account;
        console.MarkupLine($"[bold]{E(a.Name)}[/] ({E(a.Id)}): {a.Tier}, {E(a.Region)}");
        var sites = new Table().AddColumns("site", "name", "state", "latest restore");
        foreach (var s in view.Sites)
        {
            sites.AddRow(E(s.Site), E(s.Name), E(s.State), s.LastRestore is { } job ? E($"{job}: {s.RestoreState}") : "—");
        }

        console.Write(sites);
        foreach (var i in view.Incidents)
        {
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Incident {E(i.Incident)} ({E(i.Severity)}, {E(i.Phase)}) {E(i.Title)}: {i.Figures.SitesRestored} of {i.Figures.SitesAffected} of its sites restored ({i.Figures.SharePercent}%), data loss confidence {i.Figures.Confidence.ToString().ToLowerInvariant()}"));
        }

        var escalations = view.EscalationsByChannel.Count == 0 ? "none" : E(string.Join(", ", view.EscalationsByChannel.Select(e => $"{e.Key} {e.Value}")));
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Tickets: {view.Tickets.Count} ({view.Tasks.Count} tasks: the incident tickets of its sites); escalations by channel: {escalations}"));
        WriteTickets(console, view.Tickets);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Updates mailed: {view.Updates.Count} ({view.Updates.Count(m => m.State == "sent")} sent, {view.Updates.Count(m => m.State is "failed" or "bounced")} failed or bounced)"));
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"SLA alerts: {view.SlaAlerts.Count(x => x.Kind == "breach")} breaches, {view.SlaAlerts.Count(x => x.Kind == "reminder")} reminders"));
        foreach (var c in view.Contacts)
        {
            console.MarkupLine($"Contact {c.Role}: {E(c.Name)} {E(c.Email ?? c.Phone)}, added {StoreCommands.Time(c.AddedAt)}{(c.RemovedAt is { } r ? $", ended {StoreCommands.Time(r)}" : "")}");
        }
    }
}
