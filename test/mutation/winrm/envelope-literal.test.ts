// Every request envelope written out in full, as MS-WSMV lays them out (3.1.4.1 wxf:Create of a
// shell, 3.1.4.11 Command, 3.1.4.12 Send, 3.1.4.14 Receive, 3.1.4.13 Signal, 3.1.4.2 Delete; the
// header blocks of 2.2.4 and WS-Management DSP0226 6.x), and the response parsers fed with
// hand-written responses, including the malformed ones they must refuse.
import {
  buildRequest,
  COMMAND_STATE_RUNNING,
  commandEnvelope,
  createShellEnvelope,
  deleteShellEnvelope,
  EnvelopeError,
  identifyEnvelope,
  parseCommandId,
  parseDuration,
  parseEnvelope,
  parseIdentifyResponse,
  parseReceiveResponse,
  parseRequest,
  parseShellId,
  receiveEnvelope,
  sendEnvelope,
  signalEnvelope,
  stdinChunkSize,
} from "../../../winrm/envelope";
import { WinRmError } from "../../../winrm/errors";

const header = { to: "http://win:5985/wsman", maxEnvelopeSize: 153600, operationTimeoutSec: 60, messageId: "uuid:0A" };

const DECL = `<?xml version="1.0" encoding="utf-8"?>`;
const ROOT =
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"` +
  ` xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"` +
  ` xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell">`;

/** The header every request carries, in the order the client writes it, then options and selectors. */
function expectedHeader(action: string, extra = "", locale = "en-US", resourceUri = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"): string {
  return (
    `<s:Header><a:To>http://win:5985/wsman</a:To>` +
    `<a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>` +
    `<w:MaxEnvelopeSize s:mustUnderstand="true">153600</w:MaxEnvelopeSize><a:MessageID>uuid:0A</a:MessageID>` +
    `<w:Locale xml:lang="${locale}" s:mustUnderstand="false"/><p:DataLocale xml:lang="${locale}" s:mustUnderstand="false"/>` +
    `<w:OperationTimeout>PT60.000S</w:OperationTimeout>` +
    `<w:ResourceURI s:mustUnderstand="true">${resourceUri}</w:ResourceURI>` +
    `<a:Action s:mustUnderstand="true">${action}</a:Action>${extra}</s:Header>`
  );
}
const SHELL_SELECTOR = `<w:SelectorSet><w:Selector Name="ShellId">SH-1</w:Selector></w:SelectorSet>`;

describe("request envelopes, byte for byte", () => {
  it("Create with the defaults: no profile flag off, UTF-8 code page, stdin in, stdout and stderr out", () => {
    expect(createShellEnvelope(header)).toBe(
      DECL +
        ROOT +
        expectedHeader(
          "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
          `<w:OptionSet><w:Option Name="WINRS_NOPROFILE">FALSE</w:Option><w:Option Name="WINRS_CODEPAGE">65001</w:Option></w:OptionSet>`,
        ) +
        `<s:Body><rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell></s:Body></s:Envelope>`,
    );
  });

  it("Create with every shell setting given, another locale and resource URI", () => {
    const xml = createShellEnvelope(
      { ...header, locale: "de-DE", resourceUri: "http://schemas.microsoft.com/powershell/Microsoft.PowerShell" },
      { noProfile: true, codepage: 437, workingDirectory: "C:\\Temp", inputStreams: "stdin pr", outputStreams: "stdout" },
    );
    expect(xml).toBe(
      DECL +
        ROOT +
        expectedHeader(
          "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
          `<w:OptionSet><w:Option Name="WINRS_NOPROFILE">TRUE</w:Option><w:Option Name="WINRS_CODEPAGE">437</w:Option></w:OptionSet>`,
          "de-DE",
          "http://schemas.microsoft.com/powershell/Microsoft.PowerShell",
        ) +
        `<s:Body><rsp:Shell><rsp:WorkingDirectory>C:\\Temp</rsp:WorkingDirectory><rsp:InputStreams>stdin pr</rsp:InputStreams>` +
        `<rsp:OutputStreams>stdout</rsp:OutputStreams></rsp:Shell></s:Body></s:Envelope>`,
    );
  });

  it("Command with arguments, and without (no Arguments element)", () => {
    const options = `<w:OptionSet><w:Option Name="WINRS_CONSOLEMODE_STDIN">FALSE</w:Option><w:Option Name="WINRS_SKIP_CMD_SHELL">FALSE</w:Option></w:OptionSet>`;
    const action = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command";
    expect(commandEnvelope(header, "SH-1", "powershell.exe", ["-NoProfile", "-Command", "-"])).toBe(
      DECL +
        ROOT +
        expectedHeader(action, options + SHELL_SELECTOR) +
        `<s:Body><rsp:CommandLine><rsp:Command>powershell.exe</rsp:Command><rsp:Arguments>-NoProfile -Command -</rsp:Arguments></rsp:CommandLine></s:Body></s:Envelope>`,
    );
    expect(commandEnvelope(header, "SH-1", "hostname", [])).toBe(
      DECL +
        ROOT +
        expectedHeader(action, options + SHELL_SELECTOR) +
        `<s:Body><rsp:CommandLine><rsp:Command>hostname</rsp:Command></rsp:CommandLine></s:Body></s:Envelope>`,
    );
  });

  it("Send with data and End, and an empty Send that is not the end", () => {
    const action = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send";
    expect(sendEnvelope(header, "SH-1", "CMD-1", Buffer.from("hi\r\n"), true)).toBe(
      DECL +
        ROOT +
        expectedHeader(action, SHELL_SELECTOR) +
        `<s:Body><rsp:Send><rsp:Stream Name="stdin" CommandId="CMD-1" End="true">aGkNCg==</rsp:Stream></rsp:Send></s:Body></s:Envelope>`,
    );
    expect(sendEnvelope(header, "SH-1", "CMD-1", Buffer.alloc(0), false)).toBe(
      DECL + ROOT + expectedHeader(action, SHELL_SELECTOR) + `<s:Body><rsp:Send><rsp:Stream Name="stdin" CommandId="CMD-1"/></rsp:Send></s:Body></s:Envelope>`,
    );
  });

  it("Receive asks for stdout and stderr of the command", () => {
    expect(receiveEnvelope(header, "SH-1", "CMD-1")).toBe(
      DECL +
        ROOT +
        expectedHeader("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive", SHELL_SELECTOR) +
        `<s:Body><rsp:Receive><rsp:DesiredStream CommandId="CMD-1">stdout stderr</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>`,
    );
  });

  it("Signal terminates by default, or sends the code given", () => {
    const action = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal";
    expect(signalEnvelope(header, "SH-1", "CMD-1")).toBe(
      DECL +
        ROOT +
        expectedHeader(action, SHELL_SELECTOR) +
        `<s:Body><rsp:Signal CommandId="CMD-1"><rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate</rsp:Code></rsp:Signal></s:Body></s:Envelope>`,
    );
    expect(signalEnvelope(header, "SH-1", "CMD-1", "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c")).toContain(
      `<rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c</rsp:Code>`,
    );
  });

  it("Delete has no options and an empty body", () => {
    expect(deleteShellEnvelope(header, "SH-1")).toBe(
      DECL + ROOT + expectedHeader("http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", SHELL_SELECTOR) + `<s:Body/></s:Envelope>`,
    );
  });

  it("empty option and selector sets are left out", () => {
    expect(buildRequest({ ...header, action: "urn:a", options: {}, selectors: {} })).toBe(DECL + ROOT + expectedHeader("urn:a") + `<s:Body/></s:Envelope>`);
    expect(deleteShellEnvelope({ ...header }, "SH-1")).not.toContain("OptionSet");
    const r = parseRequest(createShellEnvelope(header));
    expect(r.resourceUri).toBe("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd");
    expect(createShellEnvelope(header)).not.toContain("SelectorSet");
  });

  it("Identify (DSP0226 11): no addressing headers, an empty Header", () => {
    expect(identifyEnvelope()).toBe(
      DECL +
        `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">` +
        `<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>`,
    );
  });
});

describe("xs:duration", () => {
  it.each([
    ["P1DT2H3M4.5S", 93784.5],
    ["P10D", 864000],
    ["P1D", 86400],
    ["PT12H", 43200],
    ["PT10M", 600],
    ["PT1M", 60],
    ["PT75S", 75],
    ["  PT5S  ", 5],
  ])("%s is %d seconds", (d, seconds) => {
    expect(parseDuration(d)).toBe(seconds);
  });
  it.each(["xPT5S", "PT5Sx", "PT5", "P1H", "PTxS"])("%s is not a duration", (d) => {
    expect(parseDuration(d)).toBeUndefined();
  });
});

const ENV = (body: string, headerXml = ""): string =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer"><s:Header>${headerXml}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;

describe("request parser", () => {
  it("reads MaxEnvelopeSize only when it is all digits, and Selector/Option only with a Name", () => {
    const h = (max: string) => `<w:MaxEnvelopeSize>${max}</w:MaxEnvelopeSize><w:OperationTimeout>PT20S</w:OperationTimeout>`;
    expect(parseRequest(ENV("", h("512000"))).maxEnvelopeSize).toBe(512000);
    expect(parseRequest(ENV("", h("512000kb"))).maxEnvelopeSize).toBeUndefined();
    expect(parseRequest(ENV("", h("kb512000"))).maxEnvelopeSize).toBeUndefined();
    const sets = `<w:SelectorSet><w:Selector>nameless</w:Selector><w:Selector Name="ShellId">S</w:Selector></w:SelectorSet><w:OptionSet><w:Option>x</w:Option></w:OptionSet>`;
    const r = parseRequest(ENV("", sets));
    expect(r.selectors).toEqual({ ShellId: "S" });
    expect(r.options).toEqual({});
    expect(r.operationTimeoutSec).toBeUndefined();
    expect(r.maxEnvelopeSize).toBeUndefined();
  });

  it("refuses a document that is not a SOAP envelope", () => {
    expect(() => parseEnvelope(`<html><body>503</body></html>`)).toThrow(new EnvelopeError("response is not a SOAP envelope"));
    expect(new EnvelopeError("x").name).toBe("EnvelopeError");
    expect(new EnvelopeError("x")).toBeInstanceOf(WinRmError);
  });
});

describe("response parsers", () => {
  it("ShellId from rsp:Shell (Windows 2012 and later) before the ResourceCreated selector", () => {
    const both =
      `<x:ResourceCreated><a:ReferenceParameters><w:SelectorSet><w:Selector Name="ShellId">FROM-SELECTOR</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` +
      `<rsp:Shell><rsp:ShellId>FROM-SHELL</rsp:ShellId></rsp:Shell>`;
    expect(parseShellId(parseEnvelope(ENV(both)))).toBe("FROM-SHELL");
    expect(parseShellId(parseEnvelope(ENV(`<rsp:Shell><rsp:ShellId>ONLY</rsp:ShellId></rsp:Shell>`)))).toBe("ONLY");
    expect(() => parseShellId(parseEnvelope(ENV(`<rsp:Shell/>`)))).toThrow(new EnvelopeError("Create response carries no ShellId"));
  });

  it("a CommandResponse without a CommandId is refused", () => {
    expect(() => parseCommandId(parseEnvelope(ENV(`<rsp:CommandResponse/>`)))).toThrow(new EnvelopeError("Command response carries no CommandId"));
  });

  it("ReceiveResponse: a running command, a stream without a name, exit codes", () => {
    const running = ENV(
      `<rsp:ReceiveResponse><rsp:Stream CommandId="C1">YQ==</rsp:Stream><rsp:CommandState CommandId="C1" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"/></rsp:ReceiveResponse>`,
    );
    const r = parseReceiveResponse(parseEnvelope(running));
    expect(r).toEqual({
      streams: [{ name: "", commandId: "C1", data: Buffer.from("a"), end: false }],
      state: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running",
      done: false,
      exitCode: undefined,
    });
    expect(COMMAND_STATE_RUNNING).toBe("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running");
    const done = (code: string) =>
      parseReceiveResponse(
        parseEnvelope(
          ENV(
            `<rsp:ReceiveResponse><rsp:CommandState CommandId="C1" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>${code}</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>`,
          ),
        ),
      );
    expect(done("-1")).toEqual({ streams: [], state: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done", done: true, exitCode: -1 });
    expect(done("1x").exitCode).toBeUndefined();
    expect(done("x1").exitCode).toBeUndefined();
    expect(() => parseReceiveResponse(parseEnvelope(ENV(`<rsp:CommandResponse/>`)))).toThrow(new EnvelopeError("response is not a ReceiveResponse"));
  });

  it("IdentifyResponse as Windows Server answers it", () => {
    const xml =
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body>` +
      `<wsmid:IdentifyResponse><wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd</wsmid:ProtocolVersion>` +
      `<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor><wsmid:ProductVersion>OS: 0.0.0 SP: 0.0 Stack: 3.0</wsmid:ProductVersion>` +
      `</wsmid:IdentifyResponse></s:Body></s:Envelope>`;
    expect(parseIdentifyResponse(xml)).toEqual({
      protocolVersion: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
      productVendor: "Microsoft Corporation",
      productVersion: "OS: 0.0.0 SP: 0.0 Stack: 3.0",
    });
    expect(() => parseIdentifyResponse(ENV(""))).toThrow(new EnvelopeError("response is not an IdentifyResponse"));
  });
});

describe("stdin chunk size", () => {
  it("is three quarters of what the envelope leaves beyond 4096 bytes, in whole base64 groups", () => {
    expect(stdinChunkSize(512000)).toBe(380928);
    expect(stdinChunkSize(153600)).toBe(112128);
    // 4096 + 1024: exactly the smallest room allowed.
    expect(stdinChunkSize(5120)).toBe(768);
    expect(() => stdinChunkSize(5119)).toThrow(new WinRmError("MaxEnvelopeSize 5119 leaves no room for stdin"));
  });
});
