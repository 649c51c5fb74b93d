import type { Risk, RiskLevel } from './extension-risk';

/** One version of an extension as the fleet runs it. */
export interface InventoryVersion {
  version: string;
  permissions: string[];
  hostPermissions: string[];
  updateUrl: string | null;
  devices: number;
  firstSeenAt: string;
  /** This version's own risk score (the extension's counts only versions a real share of its devices runs). */
  score: number;
}

/** A version that replaced the one before it, and what it added and removed. */
export interface InventoryChange {
  from: string;
  to: string;
  added: string[];
  removed: string[];
  updateUrl?: { from: string | null; to: string | null };
  at: string;
  devices: number;
}

/**
 * Chrome's management API shape for a vendor's risk score (RiskAssessmentData of chromemanagement.v1), so Guardmail's
 * score sits beside CRXcavator's, Spin.AI's or LayerX's. Google's provider enum has no value for us: ours says GUARDMAIL.
 */
export interface RiskAssessmentData {
  overallRiskLevel: `RISK_LEVEL_${RiskLevel}`;
  entries: {
    provider: 'GUARDMAIL';
    riskLevel: `RISK_LEVEL_${RiskLevel}`;
    riskAssessment: { assessment: string; detailsUrl: string; version: string };
  }[];
}

export interface InventoryExtension {
  id: string;
  /** The name its first reporting device gave: later reports that call it otherwise do not rename it. */
  name: string;
  devices: number;
  enabledOn: number;
  installTypes: Record<string, number>;
  updateUrls: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  versions: InventoryVersion[];
  risk: Risk;
  recentChanges: InventoryChange[];
  allowed: boolean;
  blocked: boolean;
  riskAssessment: RiskAssessmentData;
}

/** Answer of GET /api/v1/extensions: the riskiest first. */
export interface ExtensionsAnswer {
  extensions: InventoryExtension[];
  /** Extensions in the inventory, listed or not. */
  total: number;
  /** The version of the points table (docs/extension-risk.md) the scores use. */
  riskTable: string;
}
