using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Lifeboat.Communication.Mail;
using MimeKit;

namespace Lifeboat.Drill.Incident;

/// <summary>One message found where the mail server put it: to whom, about which update, and when it was delivered.</summary>
public sealed record DeliveredMessage(string To, string Subject, string? Incident, int? Update, DateTimeOffset DeliveredAt, string File);

/// <summary>
/// The mail server the drill's customers are reached through, and the mailbox it delivers them to, so the drill counts what
/// was delivered rather than what was handed over. The local postfix (<c>scripts/setup.sh postfix</c>) delivers the sample's
/// customers (example.com, its subdomains, .example) into one Maildir; where postfix cannot run, Debian's own SMTP sink from
/// the postfix package (<c>smtp-sink</c>) is started on a free port and writes each message it takes into the drill's folder.
/// </summary>
public sealed class DrillMailbox : IAsyncDisposable
{
    /// <summary>Where <c>scripts/setup.sh postfix</c> has postfix deliver the sample's customers' mail.</summary>
    public const string PostfixMaildir = "/var/mail/lifeboat-test/example";

    public const string SmtpSink = "/usr/sbin/smtp-sink";

    private readonly Process? _sink;

    private DrillMailbox(string server, string host, int port, string folder, Process? sink)
    {
        Server = server;
        Host = host;
        Port = port;
        Folder = folder;
        _sink = sink;
    }

    /// <summary>Which server, said to the person running the drill and in the report.</summary>
    public string Server { get; }

    public string Host { get; }

    public int Port { get; }

    /// <summary>The folder delivered messages are read from.</summary>
    public string Folder { get; }

    /// <summary>
    /// The local postfix when it answers on 127.0.0.1:25 and its customers' Maildir (<paramref name="maildir"/>) is there; otherwise smtp-sink started for this
    /// drill, writing into <paramref name="workFolder"/>; null when neither can run (the drill then says so and cannot count).
    /// </summary>
    public static async Task<DrillMailbox?> OpenAsync(string workFolder, string maildir, CancellationToken ct)
    {
        if (Directory.Exists(maildir) && await BannerAsync("127.0.0.1", 25, ct) is { } banner)
        {
            return new DrillMailbox($"the local mail server on 127.0.0.1:25 ({banner.Trim()}), delivering into {maildir}", "127.0.0.1", 25, maildir, null);
        }

        if (!File.Exists(SmtpSink))
        {
            return null;
        }

        var folder = Path.Combine(workFolder, "mail");
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var start = new ProcessStartInfo(SmtpSink) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (Environment.UserName == "root")
        {
            // smtp-sink will not keep root's privileges after binding; the user it becomes must write the messages.
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("nobody");
            File.SetUnixFileMode(folder, (UnixFileMode)Convert.ToInt32("777", 8));
        }

        foreach (var arg in new[] { "-d", Path.Combine(folder, "%Y%m%d%H%M%S."), string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"), "64" })
        {
            start.ArgumentList.Add(arg);
        }

        var sink = Process.Start(start) ?? throw new DrillException($"{SmtpSink} could not be started.");
        for (var i = 0; i < 50; i++)
        {
            if (await BannerAsync("127.0.0.1", port, ct) is not null)
            {
                return new DrillMailbox($"smtp-sink from Debian's postfix package on 127.0.0.1:{port} (no local mail server answered on port 25), writing into {folder}",
                    "127.0.0.1", port, folder, sink);
            }

            await Task.Delay(100, ct);
        }

        sink.Kill();
        throw new DrillException($"{SmtpSink} did not answer on 127.0.0.1:{port}: {await sink.StandardError.ReadToEndAsync(ct)}");
    }

    /// <summary>The messages delivered since <paramref name="since"/> that <paramref name="keep"/> wants, read from their headers.</summary>
    public IReadOnlyList<DeliveredMessage> DeliveredSince(DateTimeOffset since, Func<DeliveredMessage, bool> keep)
    {
        var found = new List<DeliveredMessage>();
        var folders = _sink is null ? new[] { Path.Combine(Folder, "new"), Path.Combine(Folder, "cur") } : [Folder];
        foreach (var file in folders.Where(Directory.Exists).SelectMany(f => new DirectoryInfo(f).EnumerateFiles("*", SearchOption.AllDirectories)))
        {
            if (file.LastWriteTimeUtc < since.UtcDateTime.AddSeconds(-1))
            {
                continue;
            }

            try
            {
                using var stream = file.OpenRead();
                // smtp-sink's files start with lines of its own (X-Client-Addr: …), then the message; both parse as headers.
                var headers = HeaderList.Load(stream);
                var to = headers[HeaderId.To] is { } t && InternetAddressList.TryParse(t, out var list) ? list.Mailboxes.FirstOrDefault()?.Address : null;
                var message = new DeliveredMessage(to ?? "", headers[HeaderId.Subject] ?? "", headers[MessageText.IncidentHeader],
                    int.TryParse(headers[MessageText.UpdateHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null,
                    new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), file.FullName);
                if (keep(message))
                {
                    found.Add(message);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ParseException)
            {
                // A message being written as we read, or not ours to read: the next look sees it whole.
            }
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        if (_sink is { HasExited: false })
        {
            _sink.Kill();
            await _sink.WaitForExitAsync();
        }

        _sink?.Dispose();
    }

    private static async Task<string?> BannerAsync(string host, int port, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(host, port, timeout.Token);
            using var reader = new StreamReader(client.GetStream());
            var line = await reader.ReadLineAsync(timeout.Token);
            return line is not null && line.StartsWith("220", StringComparison.Ordinal) ? line[3..].Trim() : null;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
