// Every UI string, in English and Simplified Chinese. Pure module (no DOM import):
// reads navigator.languages only when asked to detect the system language.
//
// t(key, params): '{name}' placeholders are replaced by params.name; numbers are
// grouped for the current language ("5,000"). A value may be { one, other }: the
// form is picked with Intl.PluralRules on params.count.

export const LANGUAGES = ['en', 'zh-CN'];

const en = {
  'app.name': 'MeetDesk',
  'app.tagline': 'DingTalk meetings by room code',

  'header.demoMarker': 'Demo data',
  'header.demoLeave': 'Leave demo / set up',
  'header.demoMarkerLabel': 'Demo data is shown. Leave demo and set up MeetDesk',
  'header.settings': 'Settings',
  'header.settingsLabel': 'Settings (Ctrl+,)',

  'firstRun.title': 'Welcome to MeetDesk',
  'firstRun.line1': 'MeetDesk needs a DingTalk app’s credentials (app key and secret, or a third-party app’s suite details) or an access token.',
  'firstRun.line2': 'It also needs to know which DingTalk you use: international (api.dingtalk.io), mainland China (api.dingtalk.com), or your organisation’s own host.',
  'firstRun.demo': 'Try with demo data',
  'firstRun.settings': 'Open settings',
  'firstRun.starting': 'Starting demo…',

  'search.label': 'Room code',
  'search.placeholder': 'Room code, e.g. 4272 0033 559',
  'search.button': 'Search',
  'search.hint': 'Paste or type the 6–12 digit room code and press Enter. Press / to come back here.',
  'search.invalid.empty': 'Type a room code first.',
  'search.invalid.chars': 'A room code has digits only (spaces and dashes are fine).',
  'search.invalid.short': 'Too short: a room code has 6 to 12 digits.',
  'search.invalid.long': 'Too long: a room code has 6 to 12 digits.',
  'search.recentToggle': 'Show recent room codes',
  'search.recentTitle': 'Recent room codes',
  'search.recentEmpty': 'No recent room codes yet.',
  'search.recentNoMatch': 'No recent room code matches.',
  'search.recentRemove': 'Remove {code} from recent room codes',
  'search.recentClear': 'Clear all',
  'search.recentKeys': '↑↓ choose · Enter search · Delete remove · Esc close',
  'search.recentNoTitle': '(no title seen)',
  'search.recentRemoved': 'Removed {code} from recent room codes.',
  'search.recentCleared': 'Recent room codes cleared.',
  'search.searching': 'Searching room {code}…',

  'summary.count': { one: '{count} meeting', other: '{count} meetings' },
  'summary.countOf': { one: '{count} of {total} meeting', other: '{count} of {total} meetings' },
  'summary.room': 'Room {code}',
  'summary.loadMore': 'Load more',
  'summary.loadingMore': 'Loading…',
  'summary.loadAll': 'Load all',
  'summary.cancel': 'Cancel',
  'summary.cancelling': 'Cancelling…',
  'summary.cancelSearch': 'Cancel the search (Esc)',
  'summary.cancelLoading': 'Cancel loading (Esc)',
  'slow.note': 'DingTalk is slow to answer. You can wait, or cancel with Esc.',
  'summary.export': 'Export CSV…',
  'summary.loadingAllOf': 'Loading {loaded} of {total}…',
  'summary.loadingAll': 'Loading {loaded}…',
  'summary.loadAllLabel': 'Loading all meetings',

  'announce.loaded': { one: '{count} meeting loaded.', other: '{count} meetings loaded.' },
  'announce.loadedOf': { one: '{count} of {total} meeting loaded.', other: '{count} of {total} meetings loaded.' },
  'announce.noMeetings': 'No meetings found for room {code}.',
  'announce.cancelled': { one: 'Loading cancelled. {count} meeting kept.', other: 'Loading cancelled. {count} meetings kept.' },
  'announce.searchCancelled': 'Search cancelled.',
  'announce.searchCancelledBack': 'Search cancelled. Room {code} is shown again.',
  'announce.demoStarted': 'Demo data is on. Type a room code to search.',
  'announce.demoStopped': 'Demo data is off.',

  'empty.start': 'Type a room code above and press Enter to see its meetings.',
  'empty.none': 'No meetings found for room {code}.',
  'empty.noneHint': 'Check the code, or the DingTalk host in Settings: each host knows only its own meetings.',
  'empty.searching': 'Searching…',

  'timeline.label': 'Meetings of room {code}',
  'timeline.labelEmpty': 'Meetings',
  'group.live': 'Live now',
  'group.today': 'Today',
  'group.yesterday': 'Yesterday',
  'group.tomorrow': 'Tomorrow',
  'group.unknown': 'Date unknown',
  'group.count': { one: '{count} meeting', other: '{count} meetings' },

  'status.notStarted': 'Not started',
  'status.live': 'Live',
  'status.ended': 'Ended',
  'status.unknown': 'Unknown',
  'type.instant': 'Instant',
  'type.booked': 'Booked',
  'type.audio': 'Audio',
  'type.unknown': 'Unknown type',

  'row.untitled': '(untitled meeting)',
  'row.host': 'Host: {name}',
  'row.hostUnknown': 'Host unknown',
  'row.start': 'Start',
  'row.end': 'End',
  'row.noTime': 'Time unknown',
  'row.timeRange': '{start} – {end}',
  'row.starts': 'Starts {start}',
  'row.started': 'Started {start}',
  'row.durationLabel': 'Duration {duration}',
  'row.join': 'Join',
  'row.joinLabel': 'Join {title}',
  'row.copyLink': 'Copy link',
  'row.copyLinkLabel': 'Copy join link of {title}',
  'row.copyCode': 'Copy code',
  'row.copyCodeLabel': 'Copy room code of {title}',
  'row.noLink': 'This meeting has no join link.',
  'row.a11y': '{title}. {status}. {time}. {duration}. {host}. {type}.',

  'time.liveFor': 'live for {duration}',
  'time.liveNoStart': 'live now',
  // The view's caveat (src-tauri/src/view.rs): same words as the CLI and the CSV.
  'caveat.liveOverADay': 'over a day, may have ended',

  'duration.none': '—',
  'duration.lessThanMinute': '< 1 min',
  'duration.minutes': '{m} min',
  'duration.hours': '{h} h',
  'duration.hoursMinutes': '{h} h {m} min',

  'join.confirmTitle': 'This meeting has ended',
  'join.confirmText': '“{title}” ended. Open its link anyway?',
  'join.confirmYes': 'Open anyway',
  'join.confirmNo': 'Cancel',
  'join.opening': 'Opening “{title}” in your browser…',

  'toast.linkCopied': 'Join link copied.',
  'toast.codeCopied': 'Room code {code} copied.',
  'toast.copyFailed': 'Could not copy to the clipboard.',
  'toast.detailsCopied': 'Error details copied.',
  'toast.unsafeLink': 'MeetDesk did not open this link: it is not a secure DingTalk link.',
  'toast.exported': { one: 'Exported {count} meeting to {path}', other: 'Exported {count} meetings to {path}' },
  'toast.showInFolder': 'Show in folder',
  'toast.dismiss': 'Dismiss',
  'toast.settingsSaved': 'Settings saved.',
  'toast.settingsProblem': 'MeetDesk could not read its saved settings and uses the defaults. Open Settings to check them.',
  'toast.settingsProblemKept': 'MeetDesk could not read its settings file and uses the defaults. The file was kept as {path}. Open Settings to check them and save.',
  'toast.settingsProblemFields': 'Some saved settings could not be used and are back to their defaults: {fields}. Open Settings to check them.',
  'toast.settingsWriteFailed': 'MeetDesk could not save its settings file, so this change lasts until MeetDesk closes. {message}',

  'error.title': 'Could not load meetings',
  'error.retry': 'Retry',
  'error.openSettings': 'Open settings',
  'error.copyDetails': 'Copy details',
  'error.dismiss': 'Dismiss',
  'error.code': 'DingTalk code: {code}',
  'error.requestId': 'Request ID: {id}',
  'error.http': 'HTTP status: {status}',
  'error.retryAfter': 'DingTalk asks to wait {secs} s before trying again.',
  'error.technical': 'Technical details',
  'error.keptNote': 'The meetings already shown are kept.',

  'error.invalidRoomCode.title': 'That room code is not valid.',
  'error.invalidRoomCode.next': 'Check the code: it is the 6–12 digit number in the meeting invitation.',
  'error.missingRoomCode.title': 'No room code was given.',
  'error.missingRoomCode.next': 'Type a room code and press Enter.',
  'error.auth.title': 'DingTalk did not accept the credentials.',
  'error.auth.next': 'They may be wrong or expired. Open Settings to check them (a third-party app may need a new suite ticket).',
  'error.permission.title': 'The app may not read meetings.',
  'error.permission.next': 'Ask your DingTalk admin to grant the app the permission VideoConference.Conference.Read.',
  'error.rateLimited.title': 'DingTalk asked MeetDesk to slow down.',
  'error.rateLimited.next': 'Wait a few seconds, then retry.',
  'error.quota.title': 'Your organisation’s monthly DingTalk API call quota is used up.',
  'error.quota.next': 'Searches work again when the quota resets next month. Your DingTalk admin may be able to raise it.',
  'error.ipNotAllowed.title': 'DingTalk refused this computer’s IP address.',
  'error.ipNotAllowed.next': 'Ask your DingTalk admin to add this computer’s public IP address to the app’s IP allow-list.',
  'error.server.title': 'DingTalk is having problems.',
  'error.server.next': 'Try again in a few minutes.',
  'error.gateway.title': 'A proxy or gateway between this computer and DingTalk failed.',
  'error.gateway.next': 'DingTalk itself did not answer. Retry in a minute; if it keeps happening, ask whoever runs your network or proxy.',
  'error.network.title': 'MeetDesk cannot reach DingTalk.',
  'error.network.next': 'Check that this computer is online (and any proxy or VPN), then retry.',
  'error.timeout.title': 'DingTalk took too long to answer.',
  'error.timeout.next': 'Check the connection, then retry.',
  'error.badResponse.title': 'DingTalk sent an answer MeetDesk cannot read.',
  'error.badResponse.next': 'Retry later. If it keeps happening, check the DingTalk host in Settings.',
  'error.tls.title': 'The secure connection to DingTalk failed.',
  'error.tls.next': 'Check the computer\'s date and time, and any proxy that inspects HTTPS; then retry.',
  'error.badRequest.title': 'DingTalk refused a request parameter.',
  'error.badRequest.next': 'Check the page size in Settings (5–100), then search again.',
  'error.config.title': 'The connection settings are not usable.',
  'error.config.next': 'Open Settings and check the DingTalk host and credentials.',
  'error.pagingLoop.title': 'DingTalk kept sending the same page, so loading stopped.',
  'error.pagingLoop.next': 'The meetings loaded so far are kept. Loading again would only repeat the same pages.',
  'error.tooManyMeetings.title': 'This room has more meetings than MeetDesk loads at once, so loading stopped.',
  'error.tooManyMeetings.next': 'The meetings loaded so far are kept: export them, or look at the newest ones.',
  'error.stale.title': 'This result is out of date.',
  'error.stale.next': 'Search again.',
  'error.cancelled.title': 'Loading was cancelled.',
  'error.cancelled.next': 'The meetings loaded so far are kept.',
  'error.notConfigured.title': 'MeetDesk is not set up yet.',
  'error.notConfigured.next': 'Open Settings to enter the DingTalk credentials, or try the demo data.',
  'error.invalidSetting.title': 'A setting is not valid.',
  'error.invalidSetting.next': 'Open Settings and correct the marked field.',
  'error.unsafeLink.title': 'MeetDesk did not open this link: it is not a secure DingTalk link.',
  'error.unsafeLink.next': 'Ask the organiser for the meeting link.',
  'error.notFound.title': 'It was not found.',
  'error.notFound.next': 'Search again: the results may be out of date.',
  'error.io.title': 'MeetDesk could not read or write a file.',
  'error.io.next': 'Check that the folder exists and is writable and that the disk is not full.',
  'error.keychain.title': 'MeetDesk could not use the system keychain.',
  'error.keychain.next': 'Unlock the keychain and retry, or in Settings choose to store the secrets in the settings file.',
  'error.unknown.title': 'Something went wrong.',
  'error.unknown.next': 'Retry. If it keeps happening, open the log folder from Settings.',

  'settings.title': 'Settings',
  'settings.host': 'DingTalk host',
  'settings.hostInternational': 'International (api.dingtalk.io)',
  'settings.hostMainland': 'Mainland China (api.dingtalk.com)',
  'settings.hostCustom': 'Custom host',
  'settings.customBaseUrl': 'Custom host URL',
  'settings.customBaseUrlHint': 'For a private deployment, e.g. https://dingtalk.example.com',
  'settings.credentials': 'Credentials',
  'settings.modeToken': 'Access token',
  'settings.modeInternalApp': 'Internal app (app key and secret)',
  'settings.modeThirdParty': 'Third-party enterprise app',
  'settings.accessToken': 'Access token',
  'settings.accessTokenHint': 'An access token lives about 2 hours; an app’s key and secret keep working.',
  'settings.appKey': 'App key',
  'settings.appSecret': 'App secret',
  'settings.suiteKey': 'Suite key',
  'settings.suiteSecret': 'Suite secret',
  'settings.authCorpId': 'Authorised corp ID',
  'settings.suiteTicket': 'Suite ticket',
  'settings.suiteTicketHint': 'DingTalk pushes a new suite ticket about every 5 hours; paste the latest one here.',
  'settings.secretSaved': 'Saved — leave empty to keep',
  'settings.secretNotSet': 'Not set',
  'settings.testConnection': 'Test connection',
  'settings.testing': 'Testing…',
  'settings.cancelTest': 'Cancel test',
  'settings.cancelTestLabel': 'Cancel the connection test (Esc)',
  'settings.testCancelled': 'Test cancelled: nothing was checked.',
  'settings.testOk': 'Connection works.',
  'settings.testOkCount': { one: 'Connection works. {count} meeting visible.', other: 'Connection works. {count} meetings visible.' },
  'settings.testTokenNotChecked': 'The settings look right. An access token is checked by the first search.',
  'settings.problem': 'MeetDesk could not read its saved settings and uses the defaults. Check them here and save.',
  'settings.problemKept': 'MeetDesk could not read its settings file ({detail}) and uses the defaults. The file was kept as {path}. Check the settings here and save.',
  'settings.problemFields': 'These saved settings could not be used and are back to their defaults: {fields}. Check them here and save.',
  'settings.secretsOtherHost': 'Secrets are kept for the host they were entered for: enter the {secret} for {host} again.',
  'settings.secretsOtherMode': 'Secrets are kept for the sign-in type they were entered for: enter the {secret} for this one again.',
  'settings.timeoutSecs': 'Timeout (seconds)',
  'settings.field.recentRooms': 'Recent rooms',
  'settings.field.lastExportDir': 'Last export folder',
  'settings.field.secrets': 'Secrets kept in the settings file',
  'settings.timeoutSecsHint': '5 to 120. How long one page may take, retries included, before MeetDesk gives up.',
  'settings.general': 'Display and search',
  'settings.pageSize': 'Meetings per page',
  'settings.pageSizeHint': '5 to 100. Each page is one DingTalk API call.',
  'settings.language': 'Language',
  'settings.languageSystem': 'System',
  'settings.theme': 'Theme',
  'settings.themeSystem': 'System',
  'settings.themeLight': 'Light',
  'settings.themeDark': 'Dark',
  'settings.csv': 'CSV export',
  'settings.csvBom': 'Add a byte-order mark (BOM) so Excel reads Chinese text correctly',
  'settings.csvDelimiter': 'Field separator',
  'settings.csvComma': 'Comma (,)',
  'settings.csvSemicolon': 'Semicolon (;)',
  'settings.storage': 'Secret storage',
  'settings.storeSecretsInFile': 'Store secrets in the settings file',
  'settings.storeSecretsWarning': 'No system keychain is available on this computer. Secrets saved in the settings file are not encrypted: anyone who can read your files can read them.',
  'settings.keychainOk': 'Secrets are kept in the system keychain.',
  'settings.openLogFolder': 'Open log folder',
  'settings.save': 'Save',
  'settings.saving': 'Saving…',
  'settings.cancel': 'Cancel',
  'settings.close': 'Close settings',
  'settings.version': 'Version {version}',
  'settings.dataDir': 'Data folder: {path}',
  'settings.fixErrors': 'Please correct the marked fields.',
  'settings.serverRefused': 'MeetDesk refused this setting: {message}',
  'settings.demoNote': 'Demo data is on. Saving here does not change the demo; leave demo from the header to use your own settings.',

  'validation.pageSize': 'Enter a whole number from 5 to 100.',
  'validation.timeoutSecs': 'Enter a whole number of seconds from 5 to 120.',
  'validation.customBaseUrl': 'Enter a full https:// address, e.g. https://dingtalk.example.com',
  'validation.required': 'Required.',
  'validation.noSpaces': 'Remove the spaces.',

  'export.title': 'Export CSV',
  'export.scope': 'Which meetings',
  'export.scopeLoaded': { one: 'The loaded meeting ({count})', other: 'The loaded meetings ({count})' },
  'export.scopeAll': 'All pages (loads the rest first)',
  'export.scopeAllOf': 'All pages ({total} meetings; loads the rest first)',
  'export.note': 'Loading all pages uses one DingTalk API call per page.',
  'export.start': 'Export…',
  'export.cancel': 'Cancel',
  'export.close': 'Close',
  'export.progressOf': 'Loading {loaded} of {total}…',
  'export.progress': 'Loading {loaded}…',
  'export.writing': 'Choose where to save, then MeetDesk writes the file…',
  'export.cancelled': 'Export cancelled. Nothing was written.',
  'export.failed': 'Export failed.',

  'lang.en': 'English',
  'lang.zh-CN': '简体中文',
};

const zh = {
  'app.name': 'MeetDesk',
  'app.tagline': '按会议号查询钉钉视频会议',

  'header.demoMarker': '演示数据',
  'header.demoLeave': '退出演示 / 去设置',
  'header.demoMarkerLabel': '正在显示演示数据。退出演示并设置 MeetDesk',
  'header.settings': '设置',
  'header.settingsLabel': '设置（Ctrl+,）',

  'firstRun.title': '欢迎使用 MeetDesk',
  'firstRun.line1': 'MeetDesk 需要一个钉钉应用的凭证（应用的 AppKey 和 AppSecret，或第三方企业应用的套件信息），或者一个访问令牌。',
  'firstRun.line2': '还需要知道您使用哪个钉钉：国际版（api.dingtalk.io）、中国大陆版（api.dingtalk.com），或贵单位自己的服务器地址。',
  'firstRun.demo': '用演示数据试用',
  'firstRun.settings': '打开设置',
  'firstRun.starting': '正在启动演示…',

  'search.label': '会议号',
  'search.placeholder': '会议号，例如 4272 0033 559',
  'search.button': '查询',
  'search.hint': '粘贴或输入 6–12 位会议号，按回车查询。按 / 键可回到这里。',
  'search.invalid.empty': '请先输入会议号。',
  'search.invalid.chars': '会议号只能包含数字（可以带空格和短横线）。',
  'search.invalid.short': '太短了：会议号为 6 到 12 位数字。',
  'search.invalid.long': '太长了：会议号为 6 到 12 位数字。',
  'search.recentToggle': '显示最近使用的会议号',
  'search.recentTitle': '最近使用的会议号',
  'search.recentEmpty': '还没有最近使用的会议号。',
  'search.recentNoMatch': '没有匹配的最近会议号。',
  'search.recentRemove': '从最近使用中移除 {code}',
  'search.recentClear': '全部清除',
  'search.recentKeys': '↑↓ 选择 · 回车 查询 · Delete 移除 · Esc 关闭',
  'search.recentNoTitle': '（未见过会议标题）',
  'search.recentRemoved': '已从最近使用中移除 {code}。',
  'search.recentCleared': '已清除最近使用的会议号。',
  'search.searching': '正在查询会议号 {code}…',

  'summary.count': '{count} 场会议',
  'summary.countOf': '已加载 {count} / 共 {total} 场会议',
  'summary.room': '会议号 {code}',
  'summary.loadMore': '加载更多',
  'summary.loadingMore': '正在加载…',
  'summary.loadAll': '全部加载',
  'summary.cancel': '取消',
  'summary.cancelling': '正在取消…',
  'summary.cancelSearch': '取消查询（Esc）',
  'summary.cancelLoading': '取消加载（Esc）',
  'slow.note': '钉钉响应较慢。可以继续等待，或按 Esc 取消。',
  'summary.export': '导出 CSV…',
  'summary.loadingAllOf': '正在加载 {loaded} / {total}…',
  'summary.loadingAll': '正在加载 {loaded}…',
  'summary.loadAllLabel': '正在加载全部会议',

  'announce.loaded': '已加载 {count} 场会议。',
  'announce.loadedOf': '已加载 {count} 场会议，共 {total} 场。',
  'announce.noMeetings': '会议号 {code} 没有找到会议。',
  'announce.cancelled': '已取消加载，保留已加载的 {count} 场会议。',
  'announce.searchCancelled': '已取消查询。',
  'announce.searchCancelledBack': '已取消查询，重新显示会议号 {code}。',
  'announce.demoStarted': '已开启演示数据。请输入会议号查询。',
  'announce.demoStopped': '已关闭演示数据。',

  'empty.start': '在上方输入会议号并按回车，即可查看该会议号下的会议。',
  'empty.none': '会议号 {code} 没有找到会议。',
  'empty.noneHint': '请检查会议号，或在设置中检查钉钉服务器：每个服务器只知道自己的会议。',
  'empty.searching': '正在查询…',

  'timeline.label': '会议号 {code} 的会议',
  'timeline.labelEmpty': '会议',
  'group.live': '正在进行',
  'group.today': '今天',
  'group.yesterday': '昨天',
  'group.tomorrow': '明天',
  'group.unknown': '日期未知',
  'group.count': '{count} 场会议',

  'status.notStarted': '未开始',
  'status.live': '进行中',
  'status.ended': '已结束',
  'status.unknown': '状态未知',
  'type.instant': '即时会议',
  'type.booked': '预约会议',
  'type.audio': '语音会议',
  'type.unknown': '类型未知',

  'row.untitled': '（无标题会议）',
  'row.host': '主持人：{name}',
  'row.hostUnknown': '主持人未知',
  'row.start': '开始',
  'row.end': '结束',
  'row.noTime': '时间未知',
  'row.timeRange': '{start} – {end}',
  'row.starts': '{start} 开始',
  'row.started': '{start} 开始',
  'row.durationLabel': '时长 {duration}',
  'row.join': '加入',
  'row.joinLabel': '加入 {title}',
  'row.copyLink': '复制链接',
  'row.copyLinkLabel': '复制 {title} 的入会链接',
  'row.copyCode': '复制会议号',
  'row.copyCodeLabel': '复制 {title} 的会议号',
  'row.noLink': '这场会议没有入会链接。',
  'row.a11y': '{title}。{status}。{time}。{duration}。{host}。{type}。',

  'time.liveFor': '已进行 {duration}',
  'time.liveNoStart': '正在进行',
  'caveat.liveOverADay': '已超过一天，可能已结束',

  'duration.none': '—',
  'duration.lessThanMinute': '不到 1 分钟',
  'duration.minutes': '{m} 分钟',
  'duration.hours': '{h} 小时',
  'duration.hoursMinutes': '{h} 小时 {m} 分钟',

  'join.confirmTitle': '这场会议已结束',
  'join.confirmText': '“{title}”已结束。仍然打开它的链接吗？',
  'join.confirmYes': '仍然打开',
  'join.confirmNo': '取消',
  'join.opening': '正在浏览器中打开“{title}”…',

  'toast.linkCopied': '已复制入会链接。',
  'toast.codeCopied': '已复制会议号 {code}。',
  'toast.copyFailed': '无法复制到剪贴板。',
  'toast.detailsCopied': '已复制错误详情。',
  'toast.unsafeLink': 'MeetDesk 没有打开这个链接：它不是安全的钉钉链接。',
  'toast.exported': '已导出 {count} 场会议到 {path}',
  'toast.showInFolder': '在文件夹中显示',
  'toast.dismiss': '关闭',
  'toast.settingsSaved': '设置已保存。',
  'toast.settingsProblem': 'MeetDesk 无法读取已保存的设置，正在使用默认设置。请打开设置检查。',
  'toast.settingsProblemKept': 'MeetDesk 无法读取设置文件，正在使用默认设置。原文件已保留为 {path}。请打开设置检查并保存。',
  'toast.settingsProblemFields': '部分已保存的设置无法使用，已恢复为默认值：{fields}。请打开设置检查。',
  'toast.settingsWriteFailed': 'MeetDesk 无法保存设置文件，这项更改只在 MeetDesk 关闭前有效。{message}',

  'error.title': '无法加载会议',
  'error.retry': '重试',
  'error.openSettings': '打开设置',
  'error.copyDetails': '复制详情',
  'error.dismiss': '关闭',
  'error.code': '钉钉错误码：{code}',
  'error.requestId': '请求 ID：{id}',
  'error.http': 'HTTP 状态：{status}',
  'error.retryAfter': '钉钉要求等待 {secs} 秒后再试。',
  'error.technical': '技术细节',
  'error.keptNote': '已显示的会议会保留。',

  'error.invalidRoomCode.title': '这个会议号无效。',
  'error.invalidRoomCode.next': '请检查会议号：它是会议邀请中 6–12 位的数字。',
  'error.missingRoomCode.title': '没有提供会议号。',
  'error.missingRoomCode.next': '请输入会议号并按回车。',
  'error.auth.title': '钉钉没有接受这些凭证。',
  'error.auth.next': '凭证可能有误或已过期。请打开设置检查（第三方应用可能需要新的套件票据 SuiteTicket）。',
  'error.permission.title': '该应用没有读取会议的权限。',
  'error.permission.next': '请联系钉钉管理员，为应用开通权限 VideoConference.Conference.Read。',
  'error.rateLimited.title': '钉钉要求 MeetDesk 放慢请求速度。',
  'error.rateLimited.next': '请等几秒钟后重试。',
  'error.quota.title': '贵单位本月的钉钉 API 调用额度已用完。',
  'error.quota.next': '下个月额度重置后即可再次查询。钉钉管理员或许可以提高额度。',
  'error.ipNotAllowed.title': '钉钉拒绝了这台电脑的 IP 地址。',
  'error.ipNotAllowed.next': '请联系钉钉管理员，把这台电脑的公网 IP 地址加入应用的 IP 白名单。',
  'error.server.title': '钉钉服务出现问题。',
  'error.server.next': '请过几分钟再试。',
  'error.gateway.title': '这台电脑与钉钉之间的代理或网关出错。',
  'error.gateway.next': '钉钉本身没有应答。请过一分钟重试；如果一直出现，请联系网络或代理的管理员。',
  'error.network.title': 'MeetDesk 无法连接钉钉。',
  'error.network.next': '请检查这台电脑是否联网（以及代理或 VPN），然后重试。',
  'error.timeout.title': '钉钉响应超时。',
  'error.timeout.next': '请检查网络连接，然后重试。',
  'error.badResponse.title': '钉钉返回了 MeetDesk 无法识别的内容。',
  'error.badResponse.next': '请稍后重试。如果一直出现，请在设置中检查钉钉服务器地址。',
  'error.tls.title': '与钉钉的安全连接失败。',
  'error.tls.next': '请检查电脑的日期和时间，以及是否有代理在拦截 HTTPS；然后重试。',
  'error.badRequest.title': '钉钉拒绝了一个请求参数。',
  'error.badRequest.next': '请在设置中检查每页数量（5–100），然后重新搜索。',
  'error.config.title': '连接设置不可用。',
  'error.config.next': '请打开设置，检查钉钉服务器地址和凭据。',
  'error.pagingLoop.title': '钉钉一直返回同一页，加载已停止。',
  'error.pagingLoop.next': '已加载的会议会保留。再次加载只会重复同样的页面。',
  'error.tooManyMeetings.title': '这个会议室的会议数量超过 MeetDesk 一次能加载的上限，已停止加载。',
  'error.tooManyMeetings.next': '已加载的会议会保留：可以导出它们，或查看最新的会议。',
  'error.stale.title': '这个结果已过时。',
  'error.stale.next': '请重新查询。',
  'error.cancelled.title': '加载已取消。',
  'error.cancelled.next': '已加载的会议会保留。',
  'error.notConfigured.title': 'MeetDesk 尚未设置。',
  'error.notConfigured.next': '请打开设置填写钉钉凭证，或用演示数据试用。',
  'error.invalidSetting.title': '有一项设置无效。',
  'error.invalidSetting.next': '请打开设置，改正标出的字段。',
  'error.unsafeLink.title': 'MeetDesk 没有打开这个链接：它不是安全的钉钉链接。',
  'error.unsafeLink.next': '请向会议组织者索取会议链接。',
  'error.notFound.title': '没有找到。',
  'error.notFound.next': '请重新查询：结果可能已过时。',
  'error.io.title': 'MeetDesk 无法读写文件。',
  'error.io.next': '请检查文件夹是否存在、是否可写，以及磁盘是否已满。',
  'error.keychain.title': 'MeetDesk 无法使用系统钥匙串。',
  'error.keychain.next': '请解锁钥匙串后重试，或在设置中选择把密钥保存在设置文件里。',
  'error.unknown.title': '出了点问题。',
  'error.unknown.next': '请重试。如果一直出现，请从设置中打开日志文件夹。',

  'settings.title': '设置',
  'settings.host': '钉钉服务器',
  'settings.hostInternational': '国际版（api.dingtalk.io）',
  'settings.hostMainland': '中国大陆版（api.dingtalk.com）',
  'settings.hostCustom': '自定义服务器',
  'settings.customBaseUrl': '自定义服务器地址',
  'settings.customBaseUrlHint': '用于私有化部署，例如 https://dingtalk.example.com',
  'settings.credentials': '凭证',
  'settings.modeToken': '访问令牌',
  'settings.modeInternalApp': '企业内部应用（AppKey 和 AppSecret）',
  'settings.modeThirdParty': '第三方企业应用',
  'settings.accessToken': '访问令牌',
  'settings.accessTokenHint': '访问令牌大约 2 小时后失效；应用的 AppKey 和 AppSecret 可以一直使用。',
  'settings.appKey': '应用 AppKey',
  'settings.appSecret': '应用 AppSecret',
  'settings.suiteKey': '套件 SuiteKey',
  'settings.suiteSecret': '套件 SuiteSecret',
  'settings.authCorpId': '授权企业 CorpId',
  'settings.suiteTicket': '套件票据 SuiteTicket',
  'settings.suiteTicketHint': '钉钉大约每 5 小时推送一次新的套件票据（SuiteTicket）；请在此粘贴最新的。',
  'settings.secretSaved': '已保存——留空则保持不变',
  'settings.secretNotSet': '未设置',
  'settings.testConnection': '测试连接',
  'settings.testing': '正在测试…',
  'settings.cancelTest': '取消测试',
  'settings.cancelTestLabel': '取消连接测试（Esc）',
  'settings.testCancelled': '已取消测试，未完成检查。',
  'settings.testOk': '连接正常。',
  'settings.testOkCount': '连接正常。可见 {count} 场会议。',
  'settings.testTokenNotChecked': '设置看起来没有问题。访问令牌会在第一次查询时检查。',
  'settings.problem': 'MeetDesk 无法读取已保存的设置，正在使用默认设置。请在这里检查并保存。',
  'settings.problemKept': 'MeetDesk 无法读取设置文件（{detail}），正在使用默认设置。原文件已保留为 {path}。请在这里检查设置并保存。',
  'settings.problemFields': '以下已保存的设置无法使用，已恢复为默认值：{fields}。请在这里检查并保存。',
  'settings.secretsOtherHost': '密钥只用于输入它时所针对的服务器：请为 {host} 重新输入{secret}。',
  'settings.secretsOtherMode': '密钥只用于输入它时所选的凭证类型：请为这种类型重新输入{secret}。',
  'settings.timeoutSecs': '超时（秒）',
  'settings.field.recentRooms': '最近的会议室',
  'settings.field.lastExportDir': '上次导出的文件夹',
  'settings.field.secrets': '保存在设置文件中的密钥',
  'settings.timeoutSecsHint': '5 到 120。一页（包括重试）最多等待多久，超过后 MeetDesk 停止等待。',
  'settings.general': '显示与查询',
  'settings.pageSize': '每页会议数',
  'settings.pageSizeHint': '5 到 100。每一页是一次钉钉 API 调用。',
  'settings.language': '语言',
  'settings.languageSystem': '跟随系统',
  'settings.theme': '主题',
  'settings.themeSystem': '跟随系统',
  'settings.themeLight': '浅色',
  'settings.themeDark': '深色',
  'settings.csv': 'CSV 导出',
  'settings.csvBom': '添加字节顺序标记（BOM），让 Excel 正确显示中文',
  'settings.csvDelimiter': '字段分隔符',
  'settings.csvComma': '逗号（,）',
  'settings.csvSemicolon': '分号（;）',
  'settings.storage': '密钥存储',
  'settings.storeSecretsInFile': '把密钥保存在设置文件中',
  'settings.storeSecretsWarning': '这台电脑没有可用的系统钥匙串。保存在设置文件中的密钥没有加密：能读取您文件的人都能读到它们。',
  'settings.keychainOk': '密钥保存在系统钥匙串中。',
  'settings.openLogFolder': '打开日志文件夹',
  'settings.save': '保存',
  'settings.saving': '正在保存…',
  'settings.cancel': '取消',
  'settings.close': '关闭设置',
  'settings.version': '版本 {version}',
  'settings.dataDir': '数据文件夹：{path}',
  'settings.fixErrors': '请改正标出的字段。',
  'settings.serverRefused': 'MeetDesk 拒绝了这项设置：{message}',
  'settings.demoNote': '演示数据已开启。在这里保存不会改变演示；请从页头退出演示后再使用您自己的设置。',

  'validation.pageSize': '请输入 5 到 100 之间的整数。',
  'validation.timeoutSecs': '请输入 5 到 120 之间的整数秒数。',
  'validation.customBaseUrl': '请输入完整的 https:// 地址，例如 https://dingtalk.example.com',
  'validation.required': '必填。',
  'validation.noSpaces': '请删除其中的空格。',

  'export.title': '导出 CSV',
  'export.scope': '导出哪些会议',
  'export.scopeLoaded': '已加载的会议（{count} 场）',
  'export.scopeAll': '所有页（先加载其余会议）',
  'export.scopeAllOf': '所有页（共 {total} 场；先加载其余会议）',
  'export.note': '加载所有页时，每一页都是一次钉钉 API 调用。',
  'export.start': '导出…',
  'export.cancel': '取消',
  'export.close': '关闭',
  'export.progressOf': '正在加载 {loaded} / {total}…',
  'export.progress': '正在加载 {loaded}…',
  'export.writing': '请选择保存位置，然后 MeetDesk 会写入文件…',
  'export.cancelled': '已取消导出，未写入任何文件。',
  'export.failed': '导出失败。',

  'lang.en': 'English',
  'lang.zh-CN': '简体中文',
};

export const DICTIONARIES = { en, 'zh-CN': zh };

/**
 * Keys whose value is legitimately the same in both languages (names, symbols).
 * The i18n test checks every other key differs between en and zh-CN.
 */
export const SAME_IN_ALL_LANGUAGES = new Set([
  'app.name', 'lang.en', 'lang.zh-CN', 'duration.none', 'row.timeRange',
]);

let current = 'en';
let formatLocale = 'en';

/**
 * The UI language for a list of BCP 47 tags (navigator.languages order):
 * the first tag that is Chinese gives 'zh-CN', the first English one 'en'; default 'en'.
 */
export function detectLanguage(languages) {
  for (const tag of languages || []) {
    const l = String(tag).toLowerCase();
    if (l === 'zh' || l.startsWith('zh-')) return 'zh-CN';
    if (l === 'en' || l.startsWith('en-')) return 'en';
  }
  return 'en';
}

function systemLanguages() {
  const nav = globalThis.navigator;
  if (!nav) return [];
  if (Array.isArray(nav.languages) && nav.languages.length) return nav.languages;
  return nav.language ? [nav.language] : [];
}

/** The language for a settings value ('system' | 'en' | 'zh-CN'). */
export function resolveLanguage(setting, languages = systemLanguages()) {
  if (setting === 'en' || setting === 'zh-CN') return setting;
  return detectLanguage(languages);
}

/**
 * The locale for dates and numbers: the first system tag of the same language
 * (an en-GB system gives "Mon, 23 Nov 2026"), else the UI language itself.
 */
export function resolveFormatLocale(lang, languages = systemLanguages()) {
  const base = lang === 'zh-CN' ? 'zh' : 'en';
  for (const tag of languages || []) {
    const l = String(tag);
    const lower = l.toLowerCase();
    if (base === 'zh' && /^zh-(hans|cn|sg)/.test(lower)) return l;
    if (base === 'en' && (lower === 'en' || lower.startsWith('en-'))) {
      try { return Intl.DateTimeFormat.supportedLocalesOf([l]).length ? l : lang; } catch { return lang; }
    }
  }
  return lang;
}

/** Sets the UI language from a settings value; returns the language in force. */
export function setLanguage(setting, languages = systemLanguages()) {
  current = resolveLanguage(setting, languages);
  formatLocale = resolveFormatLocale(current, languages);
  return current;
}

export function getLanguage() { return current; }
export function getLocale() { return formatLocale; }

const pluralCache = new Map();
function pluralForm(lang, count) {
  let pr = pluralCache.get(lang);
  if (!pr) { pr = new Intl.PluralRules(lang); pluralCache.set(lang, pr); }
  return pr.select(count);
}

/** Translates key with params, in the current language (or params-free lang override). */
export function t(key, params = {}, lang = current) {
  const dict = DICTIONARIES[lang] || en;
  let v = Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : en[key];
  if (v === undefined) return key;
  if (typeof v === 'object') {
    const n = typeof params.count === 'number' ? params.count : 0;
    v = v[pluralForm(lang, n)] ?? v.other;
  }
  const locale = lang === current ? formatLocale : lang;
  return v.replace(/\{(\w+)\}/g, (m, name) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return m;
    const p = params[name];
    if (typeof p === 'number') return new Intl.NumberFormat(locale).format(p);
    return String(p ?? '');
  });
}

/** Whether a key exists (in English, the reference language). */
export function hasKey(key) {
  return Object.prototype.hasOwnProperty.call(en, key);
}
