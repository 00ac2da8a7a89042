import DiagLogs
import Testing

@Suite struct MessageMaskerTests {
    @Test(arguments: [
        ("Notification time out: 3200", "Notification time out: <*>"),
        ("got 0x7fa3c2 from 10.251.73.220:50010", "got <*> from <*>"),
        ("session 123e4567-e89b-12d3-a456-426614174000 expired", "session <*> expired"),
        ("connect to [fe80::1]:8080 failed", "connect to <*> failed"),
        ("connect to ::1 failed", "connect to <*> failed"),
        ("took 250ms to flush", "took <*> to flush"),
        ("mail from alice@example.com rejected", "mail from <*> rejected"),
        ("deleting blk_-1608999687919862906 now", "deleting <*> now"),
        ("open /var/log/app.log failed", "open <*> failed"),
        ("GET https://example.com/a?b=c done", "GET <*> done"),
        ("auth failure user=root rhost=", "auth failure user=root rhost="),
        ("auth failure user=u42 rhost=", "auth failure user=<*> rhost="),
        ("quota exceeded tenant=acme (org=globex),", "quota exceeded tenant=<*> (org=<*>),"),
        ("quota exceeded Tenant_ID=acme", "quota exceeded Tenant_ID=<*>"),
        ("request failed msg=\"timeout\"", "request failed msg=<*>\""),
        ("open file=/etc/hosts failed", "open file=<*> failed"),
        ("login failed password=hunter apiKey=abc", "login failed password=<*> apiKey=<*>"),
        ("refresh failed Session_Token=abc cookie=def", "refresh failed Session_Token=<*> cookie=<*>"),
        ("sync failed account=acme-bank", "sync failed account=<*>"),
        ("session opened for (uid=0)", "session opened for (uid=<*>)"),
        ("lookup ns.marryaldkfaczcz.com failed", "lookup <*> failed"),
        ("lookup biblioteka.wsi.edu.pl failed", "lookup <*> failed"),
    ])
    func masksVariables(message: String, expected: String) {
        #expect(MessageMasker.mask(message) == expected)
    }

    @Test(arguments: [
        "Using callQueue class java.util.concurrent.LinkedBlockingQueue",
        "mapred.job.id is deprecated. Instead, use mapreduce.job.id",
        "workerEnv.init() ok",
        "registered /api handler",
        "switching mode=read_only (state=idle)",
    ])
    func keepsWordsAndClassNames(message: String) {
        #expect(MessageMasker.mask(message) == message.split(separator: " ").joined(separator: " "))
    }

    @Test func collapsesAdjacentVariablesAndUnits() {
        #expect(MessageMasker.mask("sizes 1 2 3 4 done") == "sizes <*> done")
        #expect(MessageMasker.mask("estimated size 12.0 KB, free 2.1 MB)") == "estimated size <*> free <*>")
    }

    @Test func absorbsEmbeddedDates() {
        #expect(MessageMasker.mask("connection at Sun Jul  3 10:05:25 2005") == "connection at <*>")
        #expect(MessageMasker.mask("Release Date: Fri Dec 10 19:02:14 EST 2004") == "Release Date: <*> EST <*>")
    }

    @Test func masksEmptyBracketsAsMissingValue() {
        #expect(MessageMasker.mask("connection from 1.2.3.4 () at") == "connection from <*> at")
    }

    @Test func splitsPipeSeparatedFields() {
        #expect(MessageMasker.mask("Step_LSC|30002312|onStandStepChanged 3579") == "Step_LSC <*> onStandStepChanged <*>")
    }

    @Test func handlesEmptyAndWhitespaceMessages() {
        #expect(MessageMasker.mask("") == "")
        #expect(MessageMasker.mask(" \t ") == "")
        #expect(MessageMasker.mask("  a   b  ") == "a b")
    }
}
