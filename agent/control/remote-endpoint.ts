/** The endpoint's use cases, carried out by the running agent through its control socket. */
import type { ExceptionKind } from '../exceptions/exception-list.js';
import type { QuarantineItem } from '../quarantine/quarantine-item.js';
import type {
  DefinitionsReport, EndpointApi, ExceptionReport, ItemsReport, OrphanReport, RestoreReport, RestoreRequest, ScanReport, ScanRequest, StillDetected,
} from '../endpoint/endpoint-api.js';
import type { EndpointStatus } from '../endpoint/endpoint-status.js';
import type { AgentConfig } from '../config/index.js';
import type { ControlClient } from './control-client.js';

export class RemoteEndpoint implements EndpointApi {
  readonly via = 'agent' as const;

  constructor(private readonly client: ControlClient) {}

  listItems(all: boolean): Promise<QuarantineItem[]> {
    return this.client.request('list', { all });
  }

  orphans(): Promise<OrphanReport> {
    return this.client.request('orphans', {});
  }

  checkRestore(ids: readonly string[]): Promise<StillDetected[]> {
    return this.client.request('checkRestore', { ids });
  }

  restore(request: RestoreRequest): Promise<RestoreReport> {
    return this.client.request('restore', { ...request });
  }

  deleteItems(ids: readonly string[]): Promise<ItemsReport> {
    return this.client.request('delete', { ids });
  }

  exportItems(ids: readonly string[], dir: string): Promise<ItemsReport> {
    return this.client.request('export', { ids, dir });
  }

  allow(ids: readonly string[]): Promise<ExceptionReport> {
    return this.client.request('allow', { ids });
  }

  addException(kind: ExceptionKind, value: string): Promise<ExceptionReport> {
    return this.client.request('addException', { kind, value });
  }

  removeException(id: number): Promise<boolean> {
    return this.client.request('removeException', { id });
  }

  scan(request: ScanRequest): Promise<ScanReport> {
    return this.client.request('scan', { ...request });
  }

  install(file: string): Promise<DefinitionsReport> {
    return this.client.request('install', { file });
  }

  update(): Promise<DefinitionsReport> {
    return this.client.request('update');
  }

  rollback(): Promise<DefinitionsReport> {
    return this.client.request('rollback');
  }

  status(): Promise<EndpointStatus> {
    return this.client.request('status');
  }

  effectiveConfig(): Promise<AgentConfig> {
    return this.client.request('config');
  }

  close(): void {
    this.client.close();
  }
}
