using System.CommandLine;
using System.Globalization;
using System.Text;
using Lifeboat.Cli.Identity;
using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Retrospectives;
using Lifeboat.Retrospectives.Drafting;
using Lifeboat.Support;
using Spectre.Console;
using static Lifeboat.Cli.Commands.PlatformCommand;
using static Lifeboat.Platform.Access.Permissions;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Where `lifeboat retro …` runs: the retrospective desk on the database (local mode, acting as the CLI's principal) or a
/// server's API (remote mode, acting as the token's principal). Both answer in the library's own types.
/// </summary>
internal interface IRetrospectiveTarget
{
    Task<Retrospective> GetAsync(IncidentId incident, CancellationToken ct);

    Task<string> MarkdownAsync(IncidentId incident, CancellationToken ct);

    Task<Retrospective> OpenAsync(IncidentId incident, bool drill, CancellationToken ct);

    Task<Retrospective> RedraftAsync(IncidentId incident, CancellationToken ct);

    Task<KptEntry> AddEntryAsync(IncidentId incident, EntryKind kind, string text, CancellationToken ct);

    Task<KptEntry> ReviseEntryAsync(IncidentId incident, int entry, string text, CancellationToken ct);

    Task<RetrospectiveAction> AddActionAsync(IncidentId incident, ActionDraft draft, CancellationToken ct);

    Task<RetrospectiveAction> DoneAsync(IncidentId incident, int action, string evidence, CancellationToken ct);

    Task<RetrospectiveAction> DropAsync(IncidentId incident, int action, string reason, CancellationToken ct);

    Task<RetrospectiveAction> DrillAsync(IncidentId incident, int action, string report, CancellationToken ct);

    Task<Retrospective> NotNeededAsync(IncidentId incident, ActionKind kind, string reason, CancellationToken ct);

    Task<Retrospective> CompleteAsync(IncidentId incident, CancellationToken ct);
}

internal sealed class LocalRetrospectives(RetrospectiveDesk desk) : IRetrospectiveTarget
{
    public Task<Retrospective> GetAsync(IncidentId incident, CancellationToken ct) => desk.GetAsync(incident, ct);

    public Task<string> MarkdownAsync(IncidentId incident, CancellationToken ct) => desk.MarkdownAsync(incident, ct);

    public Task<Retrospective> OpenAsync(IncidentId incident, bool drill, CancellationToken ct) => desk.OpenRetrospectiveAsync(incident, drill, ct);

    public Task<Retrospective> RedraftAsync(IncidentId incident, CancellationToken ct) => desk.RedraftAsync(incident, ct);

    public Task<KptEntry> AddEntryAsync(IncidentId incident, EntryKind kind, string text, CancellationToken ct) => desk.AddEntryAsync(incident, kind, text, ct);

    public Task<KptEntry> ReviseEntryAsync(IncidentId incident, int entry, string text, CancellationToken ct) => desk.ReviseEntryAsync(incident, entry, text, ct);

    public Task<RetrospectiveAction> AddActionAsync(IncidentId incident, ActionDraft draft, CancellationToken ct) => desk.AddActionAsync(incident, draft, ct);

    public Task<RetrospectiveAction> DoneAsync(IncidentId incident, int action, string evidence, CancellationToken ct) => desk.CompleteActionAsync(incident, action, evidence, ct);

    public Task<RetrospectiveAction> DropAsync(IncidentId incident, int action, string reason, CancellationToken ct) => desk.DropActionAsync(incident, action, reason, ct);

    public Task<RetrospectiveAction> DrillAsync(IncidentId incident, int action, string report, CancellationToken ct) => desk.CloseWithDrillAsync(incident, action, report, ct);

    public Task<Retrospective> NotNeededAsync(IncidentId incident, ActionKind kind, string reason, CancellationToken ct) => desk.MarkNotNeededAsync(incident, kind, reason, ct);

    public Task<Retrospective> CompleteAsync(IncidentId incident, CancellationToken ct) => desk.CompleteAsync(incident, ct);
}

/// <summary>A server's retrospective endpoints, with the words the API takes (keep, recover-faster).</summary>
internal sealed class RemoteRetrospectives(RemoteTarget target) : IRetrospectiveTarget
{
    public Task<Retrospective> GetAsync(IncidentId incident, CancellationToken ct) => target.GetAsync<Retrospective>($"api/incidents/{incident}/retrospective", ct);

    public async Task<string> MarkdownAsync(IncidentId incident, CancellationToken ct) =>
        Encoding.UTF8.GetString(await target.GetBytesAsync($"api/incidents/{incident}/retrospective.md", ct));

    public Task<Retrospective> OpenAsync(IncidentId incident, bool drill, CancellationToken ct) =>
        target.PostAsync<Retrospective>($"api/incidents/{incident}/retrospective", new { drill }, ct);

    public Task<Retrospective> RedraftAsync(IncidentId incident, CancellationToken ct) =>
        target.PostAsync<Retrospective>($"api/incidents/{incident}/retrospective/redraft", new { }, ct);

    public Task<KptEntry> AddEntryAsync(IncidentId incident, EntryKind kind, string text, CancellationToken ct) =>
        target.PostAsync<KptEntry>($"api/incidents/{incident}/retrospective/entries", new { kind = RetrospectiveNames.Of(kind), text }, ct);

    public Task<KptEntry> ReviseEntryAsync(IncidentId incident, int entry, string text, CancellationToken ct) =>
        target.PostAsync<KptEntry>($"api/incidents/{incident}/retrospective/entries/{N(entry)}/revisions", new { text }, ct);

    public Task<RetrospectiveAction> AddActionAsync(IncidentId incident, ActionDraft draft, CancellationToken ct) =>
        target.PostAsync<RetrospectiveAction>($"api/incidents/{incident}/retrospective/actions",
            new { kind = RetrospectiveNames.Of(draft.Kind), title = draft.Title, owner = draft.Owner, due = draft.Due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }, ct);

    public Task<RetrospectiveAction> DoneAsync(IncidentId incident, int action, string evidence, CancellationToken ct) =>
        target.PostAsync<RetrospectiveAction>($"api/incidents/{incident}/retrospective/actions/{N(action)}/done", new { evidence }, ct);

    public Task<RetrospectiveAction> DropAsync(IncidentId incident, int action, string reason, CancellationToken ct) =>
        target.PostAsync<RetrospectiveAction>($"api/incidents/{incident}/retrospective/actions/{N(action)}/drop", new { reason }, ct);

    public async Task<RetrospectiveAction> DrillAsync(IncidentId incident, int action, string report, CancellationToken ct)
    {
        // The report goes as it was written, so what the server keeps beside the action is the drill's own file.
        using var body = new StringContent(report, Encoding.UTF8, "application/json");
        return await target.PostAsync<RetrospectiveAction>($"api/incidents/{incident}/retrospective/actions/{N(action)}/drill", body, ct);
    }

    public Task<Retrospective> NotNeededAsync(IncidentId incident, ActionKind kind, string reason, CancellationToken ct) =>
        target.PostAsync<Retrospective>($"api/incidents/{incident}/retrospective/not-needed", new { kind = RetrospectiveNames.Of(kind), reason }, ct);

    public Task<Retrospective> CompleteAsync(IncidentId incident, CancellationToken ct) =>
        target.PostAsync<Retrospective>($"api/incidents/{incident}/retrospective/complete", new { }, ct);

    private static string N(int number) => number.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// `lifeboat retro show | open | redraft | export | kpt add|revise | action add|done|drop|drill | not-needed | complete`: an
/// incident's retrospective from a terminal, on the database or through a server. Every command needs incidents.read, as its
/// endpoint does; writing is then the desk's rule: a participant of the incident, or a principal with incidents.command.
/// </summary>
internal static class RetrospectiveCommands
{
    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var retro = new Command("retro", "Retrospectives: the draft Lifeboat writes when an incident resolves, KPT, and actions of the five kinds tracked to their evidence");

        var showId = IncidentArg();
        var showJson = IncidentCommands.Json();
        retro.Add(new Command("show", "The retrospective: figures, data loss per customer, KPT, actions by kind, what is still missing") { showId, showJson }
            .OnRetro(g, async (p, target, ct) =>
            {
                var shown = await target.GetAsync(IncidentId.Parse(p.GetValue(showId)), ct);
                if (!IncidentCommands.WroteJson(console, p, showJson, shown))
                {
                    Write(console, shown);
                }

                return LifeboatCli.Ok;
            }));

        var openId = IncidentArg();
        var drill = new Option<bool>("--drill") { Description = "The incident is a drill's: open its retrospective in any phase" };
        retro.Add(new Command("open", "Open the retrospective with its draft: a resolved or closed incident, or a drill's (--drill) in any phase") { openId, drill }
            .OnRetro(g, console, async (p, target, ct) =>
            {
                var opened = await target.OpenAsync(IncidentId.Parse(p.GetValue(openId)), p.GetValue(drill), ct);
                return $"The retrospective of incident {opened.Incident} is open{(opened.Drill ? " (a drill)" : "")}, with draft {opened.Draft?.Number}. Show it: lifeboat retro show {opened.Incident}";
            }));

        var redraftId = IncidentArg();
        retro.Add(new Command("redraft", "Write the draft again from the facts of now; the earlier drafts stay") { redraftId }
            .OnRetro(g, console, async (p, target, ct) =>
            {
                var again = await target.RedraftAsync(IncidentId.Parse(p.GetValue(redraftId)), ct);
                return $"Draft {again.Draft?.Number} of incident {again.Incident}'s retrospective is written.";
            }));

        var exportId = IncidentArg();
        var output = new Option<FileInfo?>("--output") { Description = "Write the Markdown to this file (owner-only) instead of the terminal" };
        retro.Add(new Command("export", "The retrospective as Markdown") { exportId, output }
            .OnRetro(g, async (p, target, ct) =>
            {
                var markdown = await target.MarkdownAsync(IncidentId.Parse(p.GetValue(exportId)), ct);
                if (p.GetValue(output) is { } file)
                {
                    // Owner-only from creation: a retrospective names people and customers.
                    await using (var stream = new FileStream(file.FullName, new FileStreamOptions
                    {
                        Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    }))
                    {
                        await stream.WriteAsync(Encoding.UTF8.GetBytes(markdown), ct);
                    }

                    File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    console.MarkupLine($"Wrote {E(file.FullName)} ({markdown.Length} characters).");
                }
                else
                {
                    console.Profile.Out.Writer.Write(markdown);
                }

                return LifeboatCli.Ok;
            }));

        retro.Add(KptCommand(g, console));
        retro.Add(ActionCommand(g, console));

        var nnId = IncidentArg();
        var nnKind = KindOption();
        var nnReason = new Option<string?>("--reason") { Description = "Why no action of this kind is needed (at least 10 characters)" };
        retro.Add(new Command("not-needed", "Say a kind needs no action, with a reason") { nnId, nnKind, nnReason }
            .OnRetro(g, console, async (p, target, ct) =>
            {
                var kind = RetrospectiveNames.ReadActionKind(p.GetValue(nnKind));
                var after = await target.NotNeededAsync(IncidentId.Parse(p.GetValue(nnId)), kind, p.GetValue(nnReason) ?? "", ct);
                return $"{RetrospectiveNames.Of(kind)} is marked not needed. {Missing(after)}";
            }));

        var completeId = IncidentArg();
        retro.Add(new Command("complete", "Complete the retrospective once each of the five kinds has an action or a \"not needed\"") { completeId }
            .OnRetro(g, console, async (p, target, ct) =>
            {
                var done = await target.CompleteAsync(IncidentId.Parse(p.GetValue(completeId)), ct);
                return $"The retrospective of incident {done.Incident} is completed by {E(done.CompletedBy)}; its actions go on being tracked.";
            }));
        return retro;
    }

    private static Command KptCommand(GlobalOptions g, IAnsiConsole console)
    {
        var kpt = new Command("kpt", "Keep, Problem, Try: entries by the incident's participants, edited by revisions");
        var addId = IncidentArg();
        var kind = new Option<string>("--kind") { Description = "keep, problem or try", Required = true };
        var text = new Option<string?>("--text") { Description = "The entry (1 to 2,000 characters)" };
        kpt.Add(new Command("add", "Add a KPT entry") { addId, kind, text }.OnRetro(g, console, async (p, target, ct) =>
        {
            var entry = await target.AddEntryAsync(IncidentId.Parse(p.GetValue(addId)), RetrospectiveNames.ReadEntryKind(p.GetValue(kind)), p.GetValue(text) ?? "", ct);
            return $"Entry {entry.Number} ({RetrospectiveNames.Of(entry.Kind)}) by {E(entry.Author)} is added.";
        }));

        var reviseId = IncidentArg();
        var number = new Argument<int>("number") { Description = "The entry's number (lifeboat retro show lists them)" };
        var reviseText = new Option<string?>("--text") { Description = "The entry's new text; the earlier ones stay" };
        kpt.Add(new Command("revise", "Change an entry's text by a new revision") { reviseId, number, reviseText }.OnRetro(g, console, async (p, target, ct) =>
        {
            var entry = await target.ReviseEntryAsync(IncidentId.Parse(p.GetValue(reviseId)), p.GetValue(number), p.GetValue(reviseText) ?? "", ct);
            return $"Entry {entry.Number} is at revision {entry.Revisions.Count}.";
        }));
        return kpt;
    }

    private static Command ActionCommand(GlobalOptions g, IAnsiConsole console)
    {
        var action = new Command("action", "Actions of the five kinds: confirm-cause, make-fix-permanent, prevent-recurrence, detect-sooner, recover-faster");
        var addId = IncidentArg();
        var kind = KindOption();
        var title = new Option<string?>("--title") { Description = "What will be done (1 to 200 characters)" };
        var owner = new Option<string?>("--owner") { Description = "The operator who owns it (a login)" };
        var due = new Option<string?>("--due") { Description = "The day it is due, yyyy-MM-dd (today or later; reminders come 2 days before and on the day)" };
        action.Add(new Command("add", "Add an action") { addId, kind, title, owner, due }.OnRetro(g, console, async (p, target, ct) =>
        {
            var day = DateOnly.TryParseExact(p.GetValue(due), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
                : throw new PlatformException(PlatformErrorKind.Invalid, $"--due '{p.GetValue(due)}' is not a day: give it as yyyy-MM-dd. Nothing was done.");
            var added = await target.AddActionAsync(IncidentId.Parse(p.GetValue(addId)),
                new ActionDraft { Kind = RetrospectiveNames.ReadActionKind(p.GetValue(kind)), Title = p.GetValue(title) ?? "", Owner = p.GetValue(owner) ?? "", Due = day }, ct);
            return $"Action {added.Number} ({RetrospectiveNames.Of(added.Kind)}) is added, owned by {E(added.Owner)}, due {added.Due:yyyy-MM-dd}.";
        }));

        var doneId = IncidentArg();
        var doneNumber = ActionArg();
        var evidence = new Option<string?>("--evidence") { Description = "What shows it was done: a text or a URL" };
        action.Add(new Command("done", "Close an action as done with its evidence") { doneId, doneNumber, evidence }.OnRetro(g, console, async (p, target, ct) =>
        {
            var closed = await target.DoneAsync(IncidentId.Parse(p.GetValue(doneId)), p.GetValue(doneNumber), p.GetValue(evidence) ?? "", ct);
            return $"Action {closed.Number} is done ({RetrospectiveNames.Of(closed.EvidenceKind!.Value)} evidence).";
        }));

        var dropId = IncidentArg();
        var dropNumber = ActionArg();
        var reason = new Option<string?>("--reason") { Description = "Why it will not be done (required)" };
        action.Add(new Command("drop", "Drop an action with a reason; it stays in the record") { dropId, dropNumber, reason }.OnRetro(g, console, async (p, target, ct) =>
        {
            var dropped = await target.DropAsync(IncidentId.Parse(p.GetValue(dropId)), p.GetValue(dropNumber), p.GetValue(reason) ?? "", ct);
            return $"Action {dropped.Number} is dropped.";
        }));

        var drillId = IncidentArg();
        var drillNumber = ActionArg();
        var report = new Option<FileInfo>("--report") { Description = "The drill's drill-report.json (lifeboat drill --report-dir)", Required = true };
        action.Add(new Command("drill", "Close a recover-faster or detect-sooner action with a drill that beat the incident") { drillId, drillNumber, report }
            .OnRetro(g, console, async (p, target, ct) =>
            {
                var file = p.GetValue(report)!;
                if (!file.Exists)
                {
                    throw new PlatformException(PlatformErrorKind.Invalid, $"{file.FullName} does not exist: give the drill-report.json the drill wrote. Nothing was done.");
                }

                var closed = await target.DrillAsync(IncidentId.Parse(p.GetValue(drillId)), p.GetValue(drillNumber), await File.ReadAllTextAsync(file.FullName, ct), ct);
                return $"Action {closed.Number} is done: {E(closed.Evidence)}. The report is kept beside it.";
            }));
        return action;
    }

    private static Argument<string> IncidentArg() => Arg("incident", "The incident (inc_…)");

    private static Argument<int> ActionArg() => new("number") { Description = "The action's number (lifeboat retro show lists them)" };

    private static Option<string> KindOption() => new("--kind")
    {
        Description = "confirm-cause, make-fix-permanent, prevent-recurrence, detect-sooner or recover-faster", Required = true,
    };

    private static string Missing(Retrospective r) => r.MissingKinds.Count == 0
        ? "Every kind is covered: it can be completed (lifeboat retro complete)."
        : $"Still missing: {string.Join(", ", r.MissingKinds.Select(RetrospectiveNames.Of))}.";

    private static void Write(IAnsiConsole console, Retrospective r)
    {
        console.MarkupLine($"[bold]Retrospective of {r.Incident}[/]: {E(r.Title)}{(r.Drill ? " (a drill)" : "")} — {r.State.ToString().ToLowerInvariant()}, opened by {E(r.OpenedBy)} {StoreCommands.Time(r.OpenedAt)}");
        if (r.Draft is { } d)
        {
            var figures = new Table().AddColumns("figure", "value", "from", "to");
            foreach (var f in d.Figures)
            {
                figures.AddRow(E(f.Name), E(f.Why is { } why ? $"{f.Value}: {why}" : f.Value), E(f.From is { } a ? $"{StoreCommands.Time(a)} ({f.FromWhat})" : ""), E(f.To is { } b ? $"{StoreCommands.Time(b)} ({f.ToWhat})" : ""));
            }

            console.Write(figures);
            foreach (var l in d.DataLoss)
            {
                console.MarkupLine($"Data lost, {E(l.Customer)} ({l.Sites} site(s)): {E(l.Loss)}");
            }
        }

        foreach (var e in r.Entries)
        {
            console.MarkupLine($"{RetrospectiveNames.Of(e.Kind)} #{e.Number}: {E(e.Text)} — {E(e.Author)}{(e.Revisions.Count > 1 ? $" (revision {e.Revisions.Count})" : "")}");
        }

        var actions = new Table().AddColumns("#", "kind", "title", "owner", "due", "state", "evidence");
        foreach (var a in r.Actions)
        {
            actions.AddRow(a.Number.ToString(CultureInfo.InvariantCulture), RetrospectiveNames.Of(a.Kind), E(a.Title), E(a.Owner), a.Due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                RetrospectiveNames.Of(a.State), E(a.Evidence ?? a.DropReason ?? ""));
        }

        console.Write(actions);
        foreach (var n in r.NotNeeded)
        {
            console.MarkupLine($"{RetrospectiveNames.Of(n.Kind)} not needed: {E(n.Reason)} — {E(n.DecidedBy)}");
        }

        console.MarkupLine(Missing(r));
    }

    private static Command OnRetro(this Command command, GlobalOptions g, Func<ParseResult, IRetrospectiveTarget, CancellationToken, Task<int>> action) =>
        command.WithSession(g, IncidentsRead, async (p, session, ct) =>
        {
            await using var incidents = await IncidentDesk.OpenAsync(session.Platform, ct);
            await using var comms = await CommunicationDesk.OpenAsync(session.Platform, incidents, cancellationToken: ct);
            await using var support = await SupportDesk.OpenAsync(session.Platform, cancellationToken: ct);
            await using var desk = await RetrospectiveDesk.OpenAsync(session.Platform, incidents, comms,
                new RetrospectiveOptions { FigureSources = [new SupportFigureSource(support)] }, ct);
            return await action(p, new LocalRetrospectives(desk.As(session.Principal)), ct);
        }, (p, target, ct) => action(p, new RemoteRetrospectives(target), ct));

    private static Command OnRetro(this Command command, GlobalOptions g, IAnsiConsole console, Func<ParseResult, IRetrospectiveTarget, CancellationToken, Task<string>> action) =>
        command.OnRetro(g, async (p, target, ct) =>
        {
            console.MarkupLine(await action(p, target, ct));
            return LifeboatCli.Ok;
        });
}
