/** Jira and Confluence values as this service hands them out (the same on every runtime). */
export interface Project {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly url: string;
}

export interface IssueSummary {
  readonly id: string;
  readonly key: string;
  readonly summary: string;
  readonly status: string | null;
  readonly issue_type: string | null;
  readonly assignee: string | null;
  readonly updated: string | null;
  readonly url: string;
}

export interface CreatedIssue {
  readonly id: string;
  readonly key: string;
  readonly url: string;
}

export interface Space {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly type: string;
  readonly url: string;
}

export interface ContentHit {
  readonly id: string;
  readonly title: string;
  readonly type: string;
  readonly space: string | null;
  readonly excerpt: string;
  readonly url: string;
}

export interface CreatedPage {
  readonly id: string;
  readonly title: string;
  readonly url: string;
}
